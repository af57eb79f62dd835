"""The exceptions the commands raise: each printed as one `error:` line on stderr, with its exit status."""

from __future__ import annotations

import click

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C (128 + SIGINT)


class InputError(click.ClickException):
    """Input the command cannot send (unknown operation or parameter, wrong type, bad body...)."""

    exit_code = EXIT_ERROR


class ExportFailed(click.ClickException):
    """An export the PBX stopped part way: what was received, and what was kept at the target."""

    exit_code = EXIT_ERROR


class ExportInterrupted(click.ClickException):
    """An export stopped by Ctrl-C: what was received, and what was kept at the target."""

    exit_code = EXIT_INTERRUPTED
