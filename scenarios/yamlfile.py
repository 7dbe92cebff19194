"""YAML files people write (scenarios, populations): parsed safely, validated by a
pydantic model, and every error names the file, the line and the field.

pyyaml's SafeLoader builds no arbitrary objects; ``yaml.compose`` gives the node tree
whose marks say on which line each field was written, which pydantic's error location
is then looked up in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
#: a file larger than this is refused before parsing (a population or scenario is a page or two)
MAX_BYTES = 2_000_000
#: nor is one nested deeper than this (a population nests six levels, a scenario five)
MAX_DEPTH = 32


_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")
_DAY_TIME = re.compile(r"^\s*(\d+)d\s+(\d{1,2}):(\d{2})\s*$")


def parse_offset(text: str | int | float) -> timedelta:
    """``"90m"``, ``"2h30m"``, ``"3d"``, ``"1d 10:00"`` (day 1 at 10:00), or seconds."""
    if isinstance(text, int | float):
        return timedelta(seconds=float(text))
    match = _DAY_TIME.match(text)
    if match:
        return timedelta(days=int(match[1]), hours=int(match[2]), minutes=int(match[3]))
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration such as 90m, 2h30m, 3d or '1d 10:00'")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def check_duration(value: Any) -> Any:
    """A pydantic ``before`` validator: the value, if :func:`parse_offset` reads it."""
    parse_offset(value)
    return value


class SpecFileError(Exception):
    """A file that cannot be used: where (file, line, field) and why."""

    def __init__(self, message: str, path: str = "", line: int | None = None, field: str = "") -> None:
        where = path + (f":{line}" if line is not None else "")
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field + ': ' if field else ''}{message}")
        self.path = path
        self.line = line
        self.field = field


class RefError(ValueError):
    """Raised inside a model validator for an error that belongs to one field (a name
    that refers to nothing): ``loc`` is that field's path, for its line."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


Lines = dict[tuple[Any, ...], int]


def _lines(node: yaml.Node, path: tuple[Any, ...] = (), out: Lines | None = None) -> Lines:
    """Field path → 1-based line, from the YAML node tree."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            out[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _lines(value, (*path, index), out)
    return out


def clean_loc(loc: Iterable[Any], tags: frozenset[str]) -> tuple[Any, ...]:
    """``loc`` without pydantic's union tags."""
    return tuple(part for part in loc if not (isinstance(part, str) and part in tags))


def line_of(lines: Lines, loc: tuple[Any, ...], tags: frozenset[str] = frozenset()) -> int | None:
    """The line of the deepest known part of ``loc``."""
    clean = clean_loc(loc, tags)
    for cut in range(len(clean), -1, -1):
        if clean[:cut] in lines:
            return lines[clean[:cut]]
    return None


def field_name(loc: tuple[Any, ...], tags: frozenset[str] = frozenset()) -> str:
    return ".".join(str(p) for p in clean_loc(loc, tags))


def read_mapping(
    source: str | Path, text: str | None, what: str, error: type[SpecFileError]
) -> tuple[dict[str, Any], Lines]:
    """The file's mapping and its lines; ``what`` says what the mapping holds."""
    path = str(source)
    if text is None:
        try:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise error(f"cannot read the file ({exc.strerror})", path) from exc
        if len(raw) > MAX_BYTES:
            raise error(f"the file is larger than {MAX_BYTES:,} bytes", path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"not UTF-8 text (byte {exc.start})", path) from exc
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):  # lazily: stops at the first problem
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent):  # a few aliases can stand for billions of nodes
                raise error("aliases (*name) are not accepted: write the value out", path, line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:  # pyyaml's scanner slows down quadratically with depth
                    raise error(f"nested more than {MAX_DEPTH} levels deep", path, line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = yaml.SafeLoader(text)
        try:  # one parse gives both the node tree (for the lines) and the data
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(f"not valid YAML: {exc.problem}", path, line) from exc
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {exc}", path) from exc
    if not isinstance(data, dict) or node is None:
        raise error(f"{what} is a mapping", path, 1)
    return data, _lines(node)


def validate(
    model: type[M],
    data: dict[str, Any],
    lines: Lines,
    path: str,
    error: type[SpecFileError],
    tags: frozenset[str] = frozenset(),
) -> M:
    """``model`` from ``data``, or ``error`` for the first problem, with its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        cause = first.get("ctx", {}).get("error") if first.get("ctx") else None
        if isinstance(cause, RefError):  # raised by the validator of the model at loc
            loc = (*loc, *cause.loc)
        message = str(cause) if cause is not None else first["msg"]
        raise error(message, path, line_of(lines, loc, tags), field_name(loc, tags)) from exc


__all__ = [
    "Lines",
    "RefError",
    "SpecFileError",
    "check_duration",
    "field_name",
    "line_of",
    "parse_offset",
    "read_mapping",
    "validate",
]
