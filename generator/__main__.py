"""python -m generator {pull,generate,verify,drift,diff,changes,docs,versions,wheel}: build threecx_xapi from XAPI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build, changes, diff, docs, drift, pull, verify, versions, wheel

XAPI_VERSION_HELP = "the document's 3CX version, like 20.0.9 (default: the lock's, a MANIFEST.json's, the file name's)"


def xapi_version(text: str) -> str:
    """An --xapi-version value, refused with the reason before any work starts."""
    try:
        return build.checked_xapi_version(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    pull_parser = commands.add_parser("pull", help="fetch an XAPI document and pin it in spec/xapi.lock.json")
    pull_parser.add_argument("--from", dest="source", required=True, help="a path, a PBX URL or a document URL")
    pull_parser.add_argument(
        "--xapi-version", type=xapi_version, help="the 3CX version, when the source does not tell it"
    )
    pull_parser.add_argument(
        "--allow-downgrade", action="store_true", help="pin a document older than the pinned 3CX version"
    )

    generate_parser = commands.add_parser("generate", help="generate the package from the pinned document")
    generate_parser.add_argument("--spec", type=Path, help="generate from this document instead of the pinned one")
    generate_parser.add_argument("--output", type=Path, default=build.DEFAULT_OUTPUT)
    generate_parser.add_argument("--xapi-version", type=xapi_version, help=XAPI_VERSION_HELP)

    verify_parser = commands.add_parser("verify", help="check every documented operation has one generated function")
    verify_parser.add_argument("--spec", type=Path, help="the document to check against (default: the pinned one)")
    verify_parser.add_argument("--output", type=Path, default=build.DEFAULT_OUTPUT)

    drift_parser = commands.add_parser("drift", help="fail when generated_client/ is not what generate makes")
    drift_parser.add_argument("--output", type=Path, default=build.DEFAULT_OUTPUT)

    wheel_parser = commands.add_parser("wheel", help="build a wheel generated for one document")
    wheel_parser.add_argument("--spec", type=Path, help="the document (default: the pinned one)")
    wheel_parser.add_argument("--dist", type=Path, default=Path("dist"))
    wheel_parser.add_argument("--xapi-version", type=xapi_version, help=XAPI_VERSION_HELP)

    docs_parser = commands.add_parser("docs", help="write docs/operations.md from the operation registry")
    docs_parser.add_argument("--check", action="store_true", help="fail when docs/operations.md is out of date")

    diff_parser = commands.add_parser("diff", help="what changed between two XAPI documents (paths or URLs)")
    diff_parser.add_argument("old", help="a path, a URL, or `pinned` for the document the lock pins")
    diff_parser.add_argument("new")
    diff_parser.add_argument("--json", action="store_true", help="JSON for tools instead of Markdown")
    diff_parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when a caller may break")

    changes_parser = commands.add_parser("changes", help="write docs/xapi-changes.md from ../shared/specs")
    changes_parser.add_argument("--output", type=Path, default=changes.DEFAULT_OUTPUT)
    changes_parser.add_argument("--check", action="store_true", help="fail when the output is out of date")
    changes_parser.add_argument(
        "--if-found", action="store_true", help="keep the page when the published documents are not beside the project"
    )

    versions_parser = commands.add_parser("versions", help="add documents to the operations-by-version table")
    versions_parser.add_argument("--add", dest="documents", type=Path, nargs="+", required=True, metavar="DOC")
    versions_parser.add_argument("--xapi-version", type=xapi_version, help="the 3CX version of the one DOC given")
    versions_parser.add_argument("--date", help="the publication date (YYYY-MM-DD) of the one DOC given")

    args = parser.parse_args(argv)
    try:
        if args.command == "pull":
            return pull.run(args.source, xapi_version=args.xapi_version, allow_downgrade=args.allow_downgrade)
        if args.command == "generate":
            result = build.generate(args.spec, args.output, xapi_version=args.xapi_version)
            print(
                f"generated {result.generated} of {result.documented} operations "
                f"(XAPI {result.xapi_version}, sha256 {result.sha256[:16]}) into {result.package_dir}"
            )
            return 0 if result.generated == result.documented else 1
        if args.command == "verify":
            return verify.run(args.spec, args.output)
        if args.command == "docs":
            return docs.run(check=args.check)
        if args.command == "diff":
            return diff.run(args.old, args.new, as_json=args.json, fail_on_breaking=args.fail_on_breaking)
        if args.command == "changes":
            return changes.run(args.output, check=args.check, if_found=args.if_found)
        if args.command == "versions":
            return versions.run(args.documents, xapi_version=args.xapi_version, date=args.date)
        if args.command == "drift":
            return drift.run(args.output)
        if args.command == "wheel":
            print(f"built {wheel.build_wheel(args.spec, args.dist, xapi_version=args.xapi_version)}")
            return 0
    except (build.GenerationError, OSError, ValueError, RuntimeError) as exc:
        # One line, whatever the cause; the generator's own report keeps one line per problem.
        text = str(exc) if isinstance(exc, build.GenerationError) else " ".join(str(exc).split())
        print(f"error: {text}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
