"""Every ResponseCode the mock can put on the wire is one exchangelib knows by name
(an unknown code becomes a generic transport error in the client)."""

from __future__ import annotations

import ast
from pathlib import Path

from exchangelib import errors as client_errors

import mockews
from mockews.errors import EWSError, all_error_classes

VERSION_CODES = {
    "ErrorInvalidServerVersion",
    "ErrorIncorrectSchemaVersion",
    "ErrorInvalidRequest",
    "ErrorInvalidSchemaVersionForMailboxVersion",
}


def test_every_error_class_is_a_known_exchangelib_code() -> None:
    codes = {cls.code for cls in all_error_classes()}
    assert len(codes) > 30
    unknown = sorted(code for code in codes if not hasattr(client_errors, code))
    assert unknown == []


def test_no_version_negotiation_codes_are_emitted() -> None:
    """exchangelib answers these by retrying with every older API version."""
    assert not VERSION_CODES & {cls.code for cls in all_error_classes()}
    source = "\n".join(p.read_text() for p in Path(mockews.__file__).parent.rglob("*.py"))
    for code in VERSION_CODES:
        assert (
            code not in source.replace("Never add the version-negotiation codes", "")
            or code in (Path(mockews.__file__).parent / "errors.py").read_text()
        )


def test_codes_raised_by_name_in_the_package_are_defined() -> None:
    """Catch a typo like ``raise ErrorItemNotFond()``: every Error* name used is a class."""
    defined = {cls.__name__ for cls in all_error_classes()}
    used: set[str] = set()
    for path in Path(mockews.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name) and node.id.startswith("Error") and node.id[5:6].isupper():
                used.add(node.id)
    assert used <= defined, used - defined
    assert issubclass(next(c for c in all_error_classes() if c.__name__ == "ErrorServerBusy"), EWSError)
