"""Exchange Tasks: the list, New Exchange Task (site; schedule with Create New; type;
definition with Create New; group by Lookup from AD, Enter DN manually, or Enter group
email address / ';' list), a task's Options and Information, changing its schedule or
definition (T1, T2) and Remove Task (R9: the warning, then OK or Cancel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from flask import abort, flash, redirect, request, url_for

from engine.errors import DomainError, Invalid, NotFound
from engine.model import DefinitionIn, ScheduleIn, TaskIn, TaskType
from engine.webapi import status_of
from engine.wire.site_console import EXECUTING, TASK_EXIT

from ..common import R9_WARNING
from ..context import ConsoleContext
from ..views import LogLine, TaskDeleted, TaskView
from .base import Pages, choices, render
from .definition_form import read_definition
from .fields import FormInvalid, FormReader, gather, problems_of
from .forms import group_from_form, read_schedule, validate

pages = Pages()


@pages.route("/tasks")
def tasks(console: ConsoleContext, admin: dict[str, Any]) -> str:
    status = request.args.get("status") or None
    return render("tasks.html", admin, tasks=console.store.tasks(status=status), status=status)


def new_task_page(console: ConsoleContext, admin: dict[str, Any], form: Any, error: DomainError | None = None) -> str:
    groups = console.store.lookup_groups("", None, limit=500)
    return render("task_new.html", admin, **choices(console), groups=groups, form=form, error=error)


@pages.route("/tasks/new")
def new_task(console: ConsoleContext, admin: dict[str, Any]) -> str:
    return new_task_page(console, admin, request.args)


@pages.route("/tasks/new", methods=["POST"])
def create_task(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    form = request.form
    try:
        task = _create_task(console, form, admin["email"])
    except DomainError as exc:
        return new_task_page(console, admin, form, exc), status_of(exc)
    return redirect(url_for("pages.task", task_id=task["id"]))


#: the New Exchange Task form's fields (or their prefixes) as the page shows them
PAGE_ORDER = ("site_id", "schedule_id", "new_schedule_", "type", "definition_id", "new_definition_")
#: the input that holds the group, by how it is picked
GROUP_INPUTS = {"lookup": "lookup_dn", "dn": "dn", "address": "address"}


def _create_task(console: ConsoleContext, form: Any, by: str) -> TaskView:
    """The task of the New Exchange Task form, with the schedule and the definition it
    creates on the way: all of them or none.  Every part is read before anything is
    refused, so the page shows all its errors at once, each beside its field."""
    r = FormReader(form)
    site_raw, type_ = str(form.get("site_id", "")), str(form.get("type", ""))
    if not site_raw.isdigit():
        r.refuse("site_id", "choose a site")
    if type_ not in {t.value for t in TaskType}:
        r.refuse("type", "choose a task type")
    group_input = GROUP_INPUTS.get(form.get("group_mode", ""), "group_mode")
    group = _group(console, form, r, group_input, int(site_raw) if site_raw.isdigit() else None)
    parts = _new_parts(console, form, type_)

    def task_data(schedule_id: Any, definition_id: Any) -> dict[str, Any]:
        """The task, given the ids of the parts created on the way (None: the form's choice)."""
        return {
            "site_id": site_raw,
            "type": type_,
            "schedule_id": form.get("schedule_id") if schedule_id is None else schedule_id,
            "definition_id": form.get("definition_id") if definition_id is None else definition_id,
            "group": group,
        }

    for name, noun in (("site_id", None), ("type", None), ("schedule_id", "schedule"), ("definition_id", "definition")):
        r.at((name,), name)
        if noun and not (form.get(name) == "new" or str(form.get(name, "")).isdigit()):
            r.refuse(name, f"choose a {noun}")
    r.at(("group",), group_input)
    # the task itself, with placeholder ids for the parts still to be created
    r.validate(TaskIn, task_data(*(1 if form.get(k) == "new" else None for k in ("schedule_id", "definition_id"))))
    gather(r, *(reader for _, reader in parts if reader is not None), order=PAGE_ORDER)
    fields = {"site_id": "site_id", "schedule_id": "schedule_id", "definition_id": "definition_id"}
    try:
        return console.flows.create_task_with(
            lambda schedule_id, definition_id: validate(TaskIn, task_data(schedule_id, definition_id)),
            by,
            parts[0][0],
            parts[1][0],
        )
    except DomainError as exc:  # a rule of the store: at the field it concerns
        raise FormInvalid(problems_of(exc, {**fields, "group": group_input})) from exc


class ShownLogLine(TypedDict):
    at: str
    line: str
    took: float | None  # seconds, on the line that ends an execution


def with_durations(log: Sequence[LogLine]) -> list[ShownLogLine]:
    """The task log with how long each execution took, on its TaskExit line (an exit
    whose start is no longer among the lines shown says nothing)."""
    shown: list[ShownLogLine] = []
    started: datetime | None = None
    for entry in log:
        took = None
        if EXECUTING.search(entry["line"]):  # T10, as the site wrote it
            started = datetime.fromisoformat(entry["at"])
        elif TASK_EXIT.search(entry["line"]) and started is not None:
            took = (datetime.fromisoformat(entry["at"]) - started).total_seconds()
            started = None
        shown.append({"at": entry["at"], "line": entry["line"], "took": took})
    return shown


def _group(
    console: ConsoleContext, form: Any, r: FormReader, group_input: str, site_id: int | None
) -> dict[str, Any] | None:
    try:
        return group_from_form(form, console.store, site_id)
    except DomainError as exc:
        r.refuse(exc.field if exc.field in ("lookup_dn", "group_mode") else group_input, exc.message)
        return None


def _new_parts(
    console: ConsoleContext, form: Any, type_: str
) -> tuple[tuple[ScheduleIn | None, FormReader | None], tuple[DefinitionIn | None, FormReader | None]]:
    """The schedule and the definition the form creates (Create New…), each with its
    reader; a name already taken is said at once, at its own Name field (the store
    checks again as it creates them)."""
    store = console.store
    schedule: tuple[ScheduleIn | None, FormReader | None] = (None, None)
    definition: tuple[DefinitionIn | None, FormReader | None] = (None, None)
    if form.get("schedule_id") == "new":
        schedule = read_schedule(form, "new_schedule_")
        _name_free(schedule, [s["name"] for s in store.schedules()], "schedule")
    if form.get("definition_id") == "new" and type_ in {t.value for t in TaskType}:
        definition = read_definition(form, type_, "new_definition_")
        _name_free(definition, [d["name"] for d in store.definitions()], "definition")
    return schedule, definition


def _name_free(part: tuple[ScheduleIn | DefinitionIn | None, FormReader | None], taken: list[str], noun: str) -> None:
    made, reader = part
    if made is not None and reader is not None and made.name.casefold() in {n.casefold() for n in taken}:
        reader.refuse("name", f"a {noun} named “{made.name}” exists already; choose another name")


def task_page(
    console: ConsoleContext, admin: dict[str, Any], task_id: int, error: DomainError | None = None, form: Any = None
) -> str:
    """A task's page; after a refused change, with the choices made kept (``form``)."""
    try:
        task = console.store.task(task_id)
    except NotFound:
        abort(404)
    log = with_durations(task["log"])
    took = [line["took"] for line in log if line["took"] is not None]
    return render(
        "task.html",
        admin,
        task=task,
        log=log,
        last_took=took[-1] if took else None,
        schedules=console.store.schedules(),
        definitions=console.store.definitions(task["type"]),
        error=error,
        warning=R9_WARNING,
        form=form if form is not None else {},
    )


@pages.route("/tasks/<int:task_id>")
def task(console: ConsoleContext, admin: dict[str, Any], task_id: int) -> str:
    return task_page(console, admin, task_id)


@pages.route("/tasks/<int:task_id>/change", methods=["POST"])
def change_task(console: ConsoleContext, admin: dict[str, Any], task_id: int) -> Any:
    change: dict[str, Any] = {}
    try:
        for key in ("schedule_id", "definition_id"):
            value = request.form.get(key, "")
            if value:
                if not value.isdigit():
                    raise Invalid(key, "choose one")
                change[key] = int(value)
        console.store.change_task(task_id, change, admin["email"])
    except DomainError as exc:
        return task_page(console, admin, task_id, exc, request.form), status_of(exc)
    return redirect(url_for("pages.task", task_id=task_id))


@pages.route("/tasks/<int:task_id>/remove", methods=["POST"])
def remove_task(console: ConsoleContext, admin: dict[str, Any], task_id: int) -> Any:
    confirm = request.form.get("confirm") == "true"
    try:
        task = console.store.task(task_id)
        removed = console.flows.delete_task(task_id, confirm, admin["email"])
    except DomainError as exc:
        return task_page(console, admin, task_id, exc), status_of(exc)
    # the list it lands on says what was done (flashed: it shows once)
    what = f"Task {task_id} ({task['type_label']} on {task['options']['site']['code']})"
    flash(f"{what} removed; {_reset_text(removed)}.")
    return redirect(url_for("pages.tasks"))


def _reset_text(removed: TaskDeleted) -> str:
    """R9: what became of the Full Views of the removed task's mailboxes."""
    if removed["archive_reset"] == "pending":
        return "the Full Views will be reset to the Live Views when the archive answers"
    reset = len(removed["full_views_reset"])
    if reset == 0:
        return "it had no Full View to reset"
    if reset == 1:
        return "the Full View of 1 mailbox was reset to its Live View"
    return f"the Full Views of {reset} mailboxes were reset to their Live Views"
