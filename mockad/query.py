"""OData query options as Microsoft Graph accepts them on directory collections:
``$filter`` (eq, ne, startswith, and/or/not, parentheses, ``groupTypes/any(c:c eq 'X')``),
``$select`` and ``$top``.  Bad input raises :class:`QueryError` naming what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]


class QueryError(ValueError):
    """``code`` is the Graph error code; the message names the clause or property."""

    def __init__(self, message: str, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.code = code


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<lparen>\()|(?P<rparen>\))|(?P<comma>,)|(?P<colon>:)"
    r"|(?P<slash>/)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d+))"
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(
                f"Invalid filter clause: unexpected character at position {position}: {text[position:][:20]!r}"
            )
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class FilterParser:
    """Recursive descent over the tokens.  ``fields`` maps a Graph property to the
    operators allowed on it ({"eq", "ne", "startswith"}); anything else is refused as
    Graph refuses it (Request_UnsupportedQuery, naming the property)."""

    def __init__(self, text: str, fields: Mapping[str, frozenset[str]], resource: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.fields = fields
        self.resource = resource

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QueryError("Invalid filter clause: the $filter is empty.")
        predicate = self._or()
        if self.index != len(self.tokens):
            token = self.tokens[self.index]
            raise QueryError(f"Invalid filter clause: unexpected {token.text!r} at position {token.position}.")
        return predicate

    # grammar: or := and ('or' and)* ; and := unary ('and' unary)* ; unary := 'not' unary | atom
    def _peek_word(self) -> str | None:
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "word":
            return self.tokens[self.index].text.lower()
        return None

    def _take(self, kind: str) -> Token:
        if self.index >= len(self.tokens):
            raise QueryError(f"Invalid filter clause: the expression ends early (expected {kind}).")
        token = self.tokens[self.index]
        if token.kind != kind:
            raise QueryError(
                f"Invalid filter clause: expected {kind} at position {token.position}, got {token.text!r}."
            )
        self.index += 1
        return token

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_word() == "or":
            self.index += 1
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda o: any(p(o) for p in parts)

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._peek_word() == "and":
            self.index += 1
            parts.append(self._unary())
        if len(parts) == 1:
            return parts[0]
        return lambda o: all(p(o) for p in parts)

    def _unary(self) -> Predicate:
        if self._peek_word() == "not":
            self.index += 1
            inner = self._unary()
            return lambda o: not inner(o)
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "lparen":
            self.index += 1
            inner = self._or()
            self._take("rparen")
            return inner
        return self._atom()

    def _field(self, name: str, operator: str) -> str:
        allowed = self.fields.get(name)
        if allowed is None or operator not in allowed:
            raise QueryError(
                f"Unsupported or invalid query filter clause specified for property '{name}' of resource "
                f"'{self.resource}' (operator {operator}).",
                code="Request_UnsupportedQuery",
            )
        return name

    def _literal(self) -> object:
        if self.index >= len(self.tokens):
            raise QueryError("Invalid filter clause: a value is missing at the end.")
        token = self.tokens[self.index]
        self.index += 1
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            return int(token.text)
        if token.kind == "word" and token.text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text.lower()]
        raise QueryError(f"Invalid filter clause: {token.text!r} at position {token.position} is not a value.")

    def _atom(self) -> Predicate:
        word = self._take("word")
        if word.text.lower() == "startswith":
            self._take("lparen")
            name = self._field(self._take("word").text, "startswith")
            self._take("comma")
            value = self._literal()
            self._take("rparen")
            if not isinstance(value, str):
                raise QueryError("Invalid filter clause: startswith needs a string.")
            prefix = value.lower()
            return lambda o: isinstance(o.get(name), str) and o[name].lower().startswith(prefix)
        name = word.text
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "slash":
            return self._any(name)
        operator = self._take("word").text.lower()
        if operator not in ("eq", "ne"):
            raise QueryError(f"Invalid filter clause: operator {operator!r} is not supported (use eq, ne, startswith).")
        self._field(name, operator)
        value = self._literal()
        wanted = value.lower() if isinstance(value, str) else value

        def equal(o: Mapping[str, Any]) -> bool:
            got = o.get(name)
            return (got.lower() if isinstance(got, str) else got) == wanted

        return equal if operator == "eq" else (lambda o: not equal(o))

    def _any(self, name: str) -> Predicate:
        """``groupTypes/any(c:c eq 'Unified')`` — the lambda form Graph allows on
        collection properties."""
        self._field(name, "any")
        self._take("slash")
        if self._take("word").text.lower() != "any":
            raise QueryError("Invalid filter clause: only the any() lambda is supported on collections.")
        self._take("lparen")
        variable = self._take("word").text
        self._take("colon")
        if self._take("word").text != variable or self._take("word").text.lower() != "eq":
            raise QueryError(f"Invalid filter clause: expected '{variable} eq <value>' inside any().")
        value = self._literal()
        self._take("rparen")
        wanted = value.lower() if isinstance(value, str) else value
        return lambda o: any((v.lower() if isinstance(v, str) else v) == wanted for v in (o.get(name) or ()))


def parse_filter(text: str, fields: Mapping[str, frozenset[str]], resource: str) -> Predicate:
    return FilterParser(text, fields, resource).parse()


def parse_select(text: str | None, known: frozenset[str], resource: str) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise QueryError("$select is empty.")
    for name in names:
        if name not in known:
            raise QueryError(f"Could not find a property named '{name}' on type 'microsoft.graph.{resource}'.")
    return names


def parse_top(text: str | None, default: int = 100, maximum: int = 999) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise QueryError(f"Invalid $top value {text!r}: must be an integer.") from exc
    if not 1 <= value <= maximum:
        raise QueryError(f"Invalid $top value {value}: must be between 1 and {maximum}.")
    return value
