"""What a person sees on a console page, checked in the real browser (issue 12, Deliver
7): no Python internals, no bare ``None``, no raw ISO timestamps, no "1 tasks", no raw
JSON, the console's own look (its stylesheet and header) even on an error page, error
boxes that say something in plain words, no serious or critical accessibility violation
(axe-core), and a full-page screenshot kept for people to look at.

``Seen.of(page)`` takes what the page shows once; each check reads it and returns its
problems in words, so a test can assert one check at a time (tests/console/
test_pages_seen.py) or all of them (``assert_seen``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

#: Python's way of writing an object, never an administrator's
PYTHON_INTERNALS = ("<built-in", "object at 0x", "Traceback", "<function ", "<bound method")
#: ``None`` as a word of its own: what Jinja prints for a missing value (the console
#: writes "—" or says what is missing instead)
NONE_WORD = re.compile(r"(?<![\w-])None(?![\w-])")
#: an ISO 8601 date-time as the API writes it (``2026-11-30T06:56:24.381982+00:00``)
RAW_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
#: a plural after "1" ("1 tasks", "1 mailboxes"; words in -ss such as "1 success" are singular)
ONE_PLURAL = re.compile(r"(?<![\w.,:/-])1 (?!\w*ss\b)[A-Za-z]+s\b")
#: JSON as the API writes it (``{"exclude_inbox": false, …}``): settings are shown in words
RAW_JSON = re.compile(r'[\[{]\s*"[^"\n]+"\s*:')
#: what only a developer reads in an error: a field's internal name (``schedule_id``,
#: ``group.single_mailbox.address``) or pydantic's phrasing ("Value error, …")
INTERNAL_WORDS = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|Value error|should be a valid|String should")
#: axe-core impacts that fail a page
FAILING_IMPACTS = ("serious", "critical")
#: where the screenshots go: CI keeps this folder
SCREENSHOTS = Path(
    os.environ.get("SYNCENG_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)


@dataclass(frozen=True)
class Seen:
    """One page as a person sees it: its address, its visible text, whether the
    console's stylesheet and its header are there, and the text of each error box."""

    url: str
    text: str
    styled: bool
    header: str
    errors: tuple[str, ...]

    @classmethod
    def of(cls, page: Page) -> Seen:
        # one round trip to the browser: what a person reads, and what makes the look
        taken = page.evaluate(
            """() => ({
                text: document.body.innerText,
                styled: [...document.styleSheets].some(s => s.href && s.href.endsWith('/console.css')
                                                            && s.cssRules.length > 0),
                header: document.querySelector('body > header')?.innerText ?? '',
                errors: [...document.querySelectorAll('.error, #error')].map(e => e.innerText),
            })"""
        )
        return cls(page.url, taken["text"], bool(taken["styled"]), taken["header"], tuple(taken["errors"]))


def python_internals(seen: Seen) -> list[str]:
    return [f"{leak!r} on {seen.url}" for leak in PYTHON_INTERNALS if leak in seen.text]


def none_words(seen: Seen) -> list[str]:
    return [f"'None' on {seen.url}: …{_around(seen.text, m)}…" for m in NONE_WORD.finditer(seen.text)]


def raw_timestamps(seen: Seen) -> list[str]:
    return [f"a raw ISO timestamp on {seen.url}: …{_around(seen.text, m)}…" for m in RAW_ISO.finditer(seen.text)]


def plurals_after_one(seen: Seen) -> list[str]:
    # defect 6: "1 tasks" — a count agrees with its number
    return [f"{m.group()!r} on {seen.url}: …{_around(seen.text, m)}…" for m in ONE_PLURAL.finditer(seen.text)]


def raw_json(seen: Seen) -> list[str]:
    # Deliver 1: "settings are shown as readable text, never raw JSON"
    return [f"raw JSON on {seen.url}: …{_around(seen.text, m)}…" for m in RAW_JSON.finditer(seen.text)]


def internal_words_in_errors(seen: Seen) -> list[str]:
    # Deliver 4: errors "in plain words", next to the field they concern
    return [
        f"an error in a developer's words on {seen.url}: {m.group()!r} in {box!r}"
        for box in seen.errors
        for m in INTERNAL_WORDS.finditer(box)
    ]


def unstyled(seen: Seen) -> list[str]:
    problems = []
    if not seen.styled:
        problems.append(f"the console's stylesheet is not applied on {seen.url}")
    if "Administration Console" not in seen.header:
        problems.append(f"no console header on {seen.url} (header: {seen.header!r})")
    return problems


def empty_error_boxes(seen: Seen) -> list[str]:
    # defect 1: a red box holding only ":" — an error box must say what went wrong
    return [f"an error box without words on {seen.url}: {box!r}" for box in seen.errors if len(box.strip(" :\n")) < 10]


CHECKS = {
    "python_internals": python_internals,
    "none_words": none_words,
    "raw_timestamps": raw_timestamps,
    "plurals_after_one": plurals_after_one,
    "raw_json": raw_json,
    "internal_words_in_errors": internal_words_in_errors,
    "unstyled": unstyled,
    "empty_error_boxes": empty_error_boxes,
}


def problems(seen: Seen) -> list[str]:
    return [problem for check in CHECKS.values() for problem in check(seen)]


def assert_seen(page: Page) -> None:
    """Every check at once, on the page as it is now."""
    found = problems(Seen.of(page))
    assert not found, "\n".join(found)


def _around(text: str, match: re.Match[str], width: int = 30) -> str:
    return text[max(0, match.start() - width) : match.end() + width].replace("\n", " ⏎ ")


# -- accessibility -------------------------------------------------------------------------------


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    found = Axe().run(page).response["violations"]
    return [v for v in found if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations as a person fixing them wants them: rule, impact, where, and how."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — at {targets}{more} — {v['helpUrl']}")
    return "\n".join(lines)


# -- screenshots ---------------------------------------------------------------------------------


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG of the page as it is now, named after it, in SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # written whole, then renamed: two test workers may take the same page at once
    partial = path.with_name(f".{name}.{os.getpid()}.png")
    partial.write_bytes(page.screenshot(full_page=True))
    partial.replace(path)
    return path


__all__ = [
    "CHECKS",
    "SCREENSHOTS",
    "Seen",
    "accessibility_violations",
    "assert_seen",
    "describe",
    "problems",
    "screenshot",
]
