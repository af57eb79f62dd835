"""`$search` as OData reads it (part 2, 5.1.7; the ABNF's searchExpr): words and "quoted phrases", `NOT`, `AND`
(also implied between terms), `OR` and parentheses, binding in that order. A term matches a row when some string
field of the row holds it, ignoring case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ._filter import FilterError
from ._filter.syntax import TOO_DEEP

Row = Mapping[str, Any]
Match = Callable[[Row], bool]

# A phrase in double quotes (`\"` inside it stands for a quote), a parenthesis, or a bare word.
_TOKEN = re.compile(r'\s*(?:"(?P<phrase>(?:[^"\\]|\\.)*)"|(?P<paren>[()])|(?P<word>[^\s()"]+))')


class SearchError(FilterError):
    """A `$search` that does not read as a search expression; the handler answers 400 with this message."""


def compile_search(text: str) -> Match:
    """A predicate over one row for the search expression `text`."""
    tokens = _tokens(text)
    parser = _Parser(tokens, text)
    try:
        match = parser.expression()
    except RecursionError:
        raise SearchError(TOO_DEEP) from None
    if parser.position < len(tokens):
        raise SearchError(f"Syntax error at position {parser.offset()} in '{text}'.")
    return match


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, offset) for each token: kind is "term", "(", ")" or an operator word."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while text[position:].strip():
        found = _TOKEN.match(text, position)
        if found is None:
            raise SearchError(f"Syntax error at position {position} in '{text}'.")
        if found["phrase"] is not None:
            tokens.append(("term", found["phrase"].replace('\\"', '"').replace("\\\\", "\\"), found.start("phrase")))
        elif found["paren"] is not None:
            tokens.append((found["paren"], found["paren"], found.start("paren")))
        else:
            word = found["word"]
            kind = word if word in ("AND", "OR", "NOT") else "term"  # operators are upper case only (the ABNF)
            tokens.append((kind, word, found.start("word")))
        position = found.end()
    if not tokens:
        raise SearchError(f"The $search '{text}' holds no search term.")
    return tokens


class _Parser:
    """Recursive descent over the tokens: OR of ANDs of (NOT) terms and parenthesised expressions."""

    def __init__(self, tokens: list[tuple[str, str, int]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def offset(self) -> int:
        return self.tokens[self.position][2] if self.position < len(self.tokens) else len(self.text)

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def _take(self, kind: str) -> str:
        if self._peek() != kind:
            raise SearchError(f"Syntax error at position {self.offset()} in '{self.text}'.")
        value = self.tokens[self.position][1]
        self.position += 1
        return value

    def expression(self) -> Match:
        alternatives = [self._all_of()]
        while self._peek() == "OR":
            self._take("OR")
            alternatives.append(self._all_of())
        return alternatives[0] if len(alternatives) == 1 else lambda row: any(match(row) for match in alternatives)

    def _all_of(self) -> Match:
        parts = [self._one()]
        while self._peek() in ("AND", "NOT", "term", "("):
            if self._peek() == "AND":
                self._take("AND")
            parts.append(self._one())
        return parts[0] if len(parts) == 1 else lambda row: all(match(row) for match in parts)

    def _one(self) -> Match:
        if self._peek() == "NOT":
            self._take("NOT")
            negated = self._one()
            return lambda row: not negated(row)
        if self._peek() == "(":
            self._take("(")
            inner = self.expression()
            self._take(")")
            return inner
        term = self._take("term").lower()
        return lambda row: any(isinstance(value, str) and term in value.lower() for value in row.values())
