"""A form's errors as a person reads them (issue 12 defect 4): each beside the field it
concerns, in plain words, all of them at once.

A :class:`FormReader` reads a posted form and remembers which form field each value of
the domain model came from, so a pydantic error's location (``spec.times.start``) leads
back to the input (``new_schedule_start``) and its label ("New schedule: Start").  The
refusal is :class:`FormInvalid`, an :class:`~engine.errors.Invalid` naming its first
field, so whatever reads a DomainError still works."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.errors import DomainError, Invalid

from .text import WELL_KNOWN_NAMES

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

#: how a person calls each field of the pages' forms (a row's fields end in "-<row>")
LABELS: Mapping[str, str] = {
    "name": "Name",
    "site_id": "Site",
    "type": "Task type",
    "schedule_id": "Schedule",
    "definition_id": "Definition",
    "group_mode": "Group",
    "lookup_dn": "Group (Lookup from AD)",
    "dn": "Group DN",
    "address": "Group email address",
    "kind": "Kind",
    "at": "One-off at",
    "mode": "Runs",
    "start": "Start",
    "end": "End",
    "interval": "Every (minutes)",
    "weekdays": "Weekly on",
    "window_weekday": "Full-sync exclusion window: day",
    "window_start": "Full-sync exclusion window: from",
    "window_end": "Full-sync exclusion window: to",
    "include": "Calendars",
    "mf_name": "Managed folder name",
    "action": "Action",
    "older_than_days": "Older than (days)",
    "min_size_kb": "Minimum size (KB)",
    "include_folders": "Only in folders",
    "exclude_folders": "Not in folders",
    "attachment_extensions": "Attachment extensions",
    "min_attachment_size_kb": "Minimum attachment size (KB)",
    "code": "Code",
    "description": "Description",
    "engine_version": "Engine version",
    "time_zone": "Time zone",
    "directory_type": "Directory",
    "ews_endpoint": "EWS endpoint",
    "ews_account": "Service account",
    "ews_password": "Password",
    "email": "Email",
    "password": "Password",
}
#: a policy's fields (M2 to M4)
POLICY_PARTS: Mapping[str, str] = {
    "use": "applies",
    "delete_action": "Exchange Delete action",
    "delete_days": "Exchange Delete after (days)",
    "delete_unread": "delete unread",
    "expire_days": "Expire View after (days)",
    "purge_days": "Archive Purge after (days)",
}
#: a field prefix as the section it names ("New schedule: Name" beside the task's fields)
SECTIONS: Mapping[str, str] = {"new_schedule_": "New schedule", "new_definition_": "New definition"}

#: our models' own messages, where they name a JSON field, in the form's words
_REWORDED: Sequence[tuple[str, str]] = (
    (r"interval_minutes must be between 1 and end - start = (\d+)", r"the interval must be 1 to \1 minutes"),
    (r"a daily 'many' schedule needs end and interval_minutes", "give an end time and an interval"),
    (r"a daily 'once' schedule takes only a start time", "a schedule run once a day takes only a start time"),
    (r"a window's end must be after its start", "the window must end after it starts"),
)


def plain(error: ErrorDetails) -> str:
    """A pydantic error in plain words (pydantic's own read "String should have at least
    1 character" or "Value error, …")."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if error.get("input") in (None, ""):  # an empty field (sent as None)
        if kind in ("literal_error", "enum"):
            return "choose one"
        if kind.endswith("_type"):
            return "this is required"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        for pattern, reworded in _REWORDED:
            text = re.sub(pattern, reworded, text)
        return text
    words: dict[str, str] = {
        "missing": "this is required",
        "string_too_short": "this is required",
        "string_pattern_mismatch": "this is required",
        "string_too_long": f"at most {ctx.get('max_length')} characters",
        "int_parsing": "enter a whole number",
        "int_from_float": "enter a whole number",
        "int_type": "enter a whole number",
        "greater_than_equal": f"enter {ctx.get('ge')} or more",
        "less_than_equal": f"enter at most {ctx.get('le')}",
        "time_parsing": "enter a time of day, e.g. 08:30",
        "time_type": "enter a time of day, e.g. 08:30",
        "datetime_parsing": "enter a date and a time",
        "datetime_from_date_parsing": "enter a date and a time",
        "datetime_type": "enter a date and a time",
        "too_short": "choose at least one",
        "too_long": f"at most {ctx.get('max_length')}",
        "literal_error": "choose one of the offered values",
        "enum": "choose one of the offered values",
        "union_tag_invalid": "choose one of the offered values",
    }
    return words.get(kind, error["msg"])


def label_of(name: str) -> str:
    """ "new_definition_name" → "New definition: Name"; "window_end-2" → "… to (row 3)"."""
    section = next((s for s in SECTIONS if name.startswith(s)), "")
    bare, _, row = name[len(section) :].partition("-")
    text = _policy_label(bare) or LABELS.get(bare, bare.replace("_", " ").capitalize())
    if row.isdigit():
        text = f"{text} (row {int(row) + 1})"
    return f"{SECTIONS[section]}: {text}" if section else text


def _policy_label(bare: str) -> str | None:
    """A Managed Folders policy field, ``pol_<policy>_<part>``: "Inbox policy: Expire View
    after (days)"; the policy is ``default``, a well-known folder or ``mf<row>``."""
    if not bare.startswith("pol_"):
        return None
    for part, what in POLICY_PARTS.items():
        if bare.endswith("_" + part):
            key = bare[4 : -len(part) - 1]
            if key.startswith("mf") and key[2:].isdigit():
                where = f"Managed folder (row {int(key[2:]) + 1})"
            else:
                where = WELL_KNOWN_NAMES.get(key, "Default")
            return f"{where} policy: {what}"
    return None


@dataclass(frozen=True)
class FieldError:
    """One refusal: the form field it concerns (its input's name), its label, and why."""

    field: str
    label: str
    message: str


class FormInvalid(Invalid):
    """A form refused, with every field error it has (the first is ``field``/``message``)."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__(problems[0].field, problems[0].message)
        self.problems = list(problems)


def problems_of(error: DomainError | None, fields: Mapping[str, str] | None = None) -> list[FieldError]:
    """What the page shows of a refusal; a rule's field (``group.kind``) is led to the
    form's field by ``fields`` (its first dotted part decides when not named whole)."""
    if error is None:
        return []
    if isinstance(error, FormInvalid):
        return error.problems
    fields = fields or {}
    name = fields.get(error.field) or fields.get(error.field.split(".")[0]) or error.field
    return [FieldError(name, label_of(name) if name in fields.values() or name in LABELS else "", error.message)]


@dataclass
class FormReader:
    """Reads a posted form (with a field-name prefix), keeping where each value of the
    model came from; collects refusals and raises them together (:meth:`done`)."""

    form: Any
    prefix: str = ""
    origin: dict[Loc, str] = field(default_factory=dict)
    problems: list[FieldError] = field(default_factory=list)
    #: a whole-model rule's message → the field it is about (None: already said by a
    #: check of the form's own, e.g. a missing end time)
    words: list[tuple[str, str | None]] = field(default_factory=list)

    def text(self, name: str, *loc: str | int) -> str:
        self.origin[loc or (name,)] = self.prefix + name
        return str(self.form.get(self.prefix + name, "")).strip()

    def flag(self, name: str, *loc: str | int) -> bool:
        self.origin[loc or (name,)] = self.prefix + name
        return self.form.get(self.prefix + name) in ("on", "true", "1")

    def at(self, loc: Loc, name: str) -> None:
        """Errors about ``loc`` (and below it, unless told otherwise) concern field ``name``."""
        self.origin[loc] = self.prefix + name

    def refuse(self, name: str, message: str) -> None:
        full = self.prefix + name
        self.problems.append(FieldError(full, label_of(full), message))

    def field_of(self, loc: Loc) -> str | None:
        """The form field of an error's location: the longest known part of it (the
        union tags pydantic puts in a location, such as ``daily``, are skipped)."""
        known = tuple(p for i, p in enumerate(loc) if not (i and loc[i - 1] in ("spec", "group") and p in _TAGS))
        for end in range(len(known), 0, -1):
            if known[:end] in self.origin:
                return self.origin[known[:end]]
        return None

    def validate(self, model: type[M], data: dict[str, Any]) -> M | None:
        """The model, or None with every error it has kept (each for its field)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                name = self._field_of_error(error)
                if name is not None and not any(p.field == name for p in self.problems):  # one message per field
                    self.problems.append(FieldError(name, label_of(name), plain(error)))
            return None

    def _field_of_error(self, error: ErrorDetails) -> str | None:
        for words, name in self.words:
            if words in error["msg"]:
                return None if name is None else self.prefix + name
        return self.field_of(error["loc"]) or self.prefix + str(error["loc"][0] if error["loc"] else "form")

    def done(self) -> None:
        if self.problems:
            raise FormInvalid(self.problems)

    def result(self, value: M | None) -> M:
        """The validated model, or :class:`FormInvalid` with every error of the form."""
        self.done()
        if value is None:  # every error was one a check of the form's own had said
            raise FormInvalid([FieldError(self.prefix + "form", "", "the form is incomplete")])
        return value


#: the tags of the models' unions, which pydantic puts in an error's location
_TAGS = frozenset(
    {"one_off", "daily", "weekly", "mfr", "calendar", "msm", "managed_folders"}
    | {"ad_security_group", "ad_distribution_group", "o365_group", "single_mailbox", "mailbox_list"}
)


def gather(*readers: FormReader, order: Sequence[str] = ()) -> None:
    """Raise every refusal of several readers (parts of one form) at once, in the
    page's order: ``order`` lists field names or prefixes as the page shows them."""

    def rank(problem: FieldError) -> int:
        return next((n for n, name in enumerate(order) if problem.field.startswith(name)), len(order))

    problems = sorted((p for r in readers for p in r.problems), key=rank)
    if problems:
        raise FormInvalid(problems)


__all__ = [
    "LABELS",
    "POLICY_PARTS",
    "FieldError",
    "FormInvalid",
    "FormReader",
    "gather",
    "label_of",
    "plain",
    "problems_of",
]
