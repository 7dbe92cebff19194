"""Every rule the oracle checks has a mutation that breaks the engine's real code path
— not its reporting — and the oracle must fail that rule on it.  Each run is as short
as still catches it."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from scenarios.sim.builtin import resolve
from scenarios.sim.runner import RunResult, run_scenario


def run(name: str, hours: float | None = None) -> RunResult:
    return run_scenario(resolve(name), horizon=timedelta(hours=hours) if hours else None)


def caught(result: RunResult, *rules: str) -> None:
    failed = {rule for rule in rules if result.verdicts[rule]["status"] == "fail"}
    assert failed, {rule: result.verdicts[rule] for rule in rules}


# -- Mailbox Folder Replication (R1 to R4) ---------------------------------------------------------


def test_R1_replicating_a_private_item_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import mfr

    monkeypatch.setattr(mfr, "PRIVATE", frozenset())
    caught(run("quickstart", 4), "R1")


def test_R1_a_full_replication_that_keeps_what_an_earlier_task_left_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine.site import mfr

    send = mfr.Replication.send

    def never_full(self: Any, complete: bool) -> Generator[Any, None, None]:
        self.full = False  # the archive's Live View is added to, not replaced
        yield from send(self, complete)

    monkeypatch.setattr(mfr.Replication, "send", never_full)
    caught(run("task-recreate", 5), "R1")


def test_R2_runs_that_never_mark_their_boundary_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import mfr

    send = mfr.Replication.send

    def no_boundary(self: Any, complete: bool) -> Generator[Any, None, None]:
        yield from send(self, False)

    monkeypatch.setattr(mfr.Replication, "send", no_boundary)
    caught(run("quickstart", 3), "R2")


def test_R3_recording_moves_between_runs_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A site that replicates between its scheduled runs records locations no run
    boundary saw (R3's second half)."""
    from engine.site import site

    def every_quarter_hour(self: Any, slot: Any) -> Any:
        after = slot.last_end or slot.anchor or self.clock.now()
        return after + timedelta(minutes=15)

    monkeypatch.setattr(site.Site, "next_start", every_quarter_hour)
    caught(run("deletion-semantics", 5), "R2", "R3")


def test_R4_a_folder_excluded_later_reported_deleted_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import mfr

    send = mfr.Replication.send

    def excluded_as_deleted(self: Any, complete: bool) -> Generator[Any, None, None]:
        for removed in self.batch.removed_folders:
            if removed["reason"] == "excluded":
                removed["reason"] = "deleted"
        yield from send(self, complete)

    monkeypatch.setattr(mfr.Replication, "send", excluded_as_deleted)
    caught(run("change-propagation"), "R4")


# -- R9, T10: removal, identity, the task log ----------------------------------------------------------


def test_R9_not_resetting_the_full_view_on_delete_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.console.archive_client import ArchiveClient

    monkeypatch.setattr(ArchiveClient, "reset_task", lambda self, task_id: [])
    caught(run("deletion-semantics", 8), "R9")


def test_R9_a_site_that_keeps_a_removed_tasks_state_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site.state import SiteState

    monkeypatch.setattr(SiteState, "drop_task", lambda self, task_id: None)
    caught(run("task-recreate", 5), "R9", "T8")


def test_T10_an_execution_without_its_exit_line_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site.execution import Execution

    def finish_silently(self: Any, message: str, detail: str) -> str:
        status = "Completed" if self.slot.one_off() else "Idle"
        self.report(status, "", detail=f"{message}: {detail}", rows=True)
        return message

    monkeypatch.setattr(Execution, "finish", finish_silently)
    caught(run("task-recreate", 5), "T10")


# -- T1, T4, T7, T8, T9, X2 ---------------------------------------------------------------------------


def test_T1_an_execution_that_reads_its_tasks_current_spec_at_each_mailbox_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The change reaches the site mid-run, and each mailbox is processed with what the
    task says now — the engine reporting nothing different."""
    from engine.site import execution, site

    def take_at_once(self: Any, config: dict[str, Any]) -> None:
        original_apply(self, config)
        for slot in self.slots.values():
            if slot.parked is not None:  # T1 broken: applied mid-run
                slot.spec, slot.parked = slot.parked, None

    original_apply = site.Site.apply
    monkeypatch.setattr(site.Site, "apply", take_at_once)
    current = property(lambda self: self.slot.spec, lambda self, value: None)
    monkeypatch.setattr(execution.Execution, "spec", current, raising=False)
    caught(run("change-propagation"), "T1")


def test_T4_starting_late_after_the_first_run_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import site

    real = site.Site.next_start

    def early(self: Any, slot: Any) -> Any:
        when = real(self, slot)
        return when + timedelta(minutes=7) if when is not None and slot.last_end is not None else when

    monkeypatch.setattr(site.Site, "next_start", early)
    caught(run("quickstart", 4), "T4")


def test_T7_a_group_cache_that_never_expires_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import groups

    monkeypatch.setattr(groups, "CACHE_SECONDS", 10 * 86_400.0)
    caught(run("group-churn", 8), "T7")


def test_T8_an_archive_that_lets_two_mfr_tasks_replicate_one_mailbox_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine.archive import registry

    monkeypatch.setattr(registry.TaskRegistry, "hold", lambda self, conn, mailbox, task_id: None)
    caught(run("two-sites", 4), "T8")


def test_T9_processing_a_disabled_account_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site.directory import Person

    monkeypatch.setattr(Person, "ineligible", lambda self: None)
    caught(run("quickstart", 3), "T9")


def test_X2_ignoring_the_servers_back_off_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site.backoff import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "wait", lambda self, attempt, exc: 0.0)
    caught(run("throttling-storm", 4), "X2")


# -- K1: a site's key reaches only its own tasks ------------------------------------------------------


def test_K1_an_archive_that_accepts_another_sites_key_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.archive import registry

    def any_task(self: Any, conn: Any, site_id: int, task_id: int, removed_too: bool = False) -> Any:
        row = self.db.sql(
            conn, "SELECT site_id, type, explicit, removed FROM archive_tasks WHERE task_id = ?", (task_id,)
        )
        return row.first()

    monkeypatch.setattr(registry.TaskRegistry, "_own_task", any_task)
    monkeypatch.setattr(registry.TaskRegistry, "_processes", lambda self, conn, task_id, mailbox: None)
    monkeypatch.setattr(registry.TaskRegistry, "site_reaches", lambda self, site_id, mailbox: None)
    caught(run("two-sites", 3), "K1")


# -- Calendar Replication (C1) --------------------------------------------------------------------------


def test_C1_a_replica_that_keeps_deleted_appointments_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import calendar

    page = calendar.sync_items_page

    def without_deletes(*args: Any, **kwargs: Any) -> Any:
        found = page(*args, **kwargs)
        return replace(found, changes=[c for c in found.changes if c.kind != "delete"])

    monkeypatch.setattr(calendar, "sync_items_page", without_deletes)
    caught(run("calendar-mirror", 24), "C1")


# -- Mailbox Storage Management (S1 to S3) ------------------------------------------------------------


def test_S1_stubbing_items_younger_than_the_criterion_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.model import MsmDefinition
    from engine.site import msm

    class Younger:
        @staticmethod
        def model_validate(data: Any) -> MsmDefinition:
            return MsmDefinition.model_validate(data).model_copy(update={"older_than_days": 1})

    monkeypatch.setattr(msm, "MsmDefinition", Younger)
    caught(run("storage-management-safety", 20), "S1")


def test_S2_acting_on_an_unconfirmed_item_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import msm

    def confirm_everything(job: Any, candidates: list[Any]) -> Any:
        yield from ()
        return list(candidates), 0

    monkeypatch.setattr(msm, "confirm", confirm_everything)
    caught(run("storage-management-safety", 20), "S2")


def test_S3_stubbing_without_recording_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.site import msm

    def record_nothing(job: Any, entries: Any) -> Any:
        yield from ()

    monkeypatch.setattr(msm, "record", record_nothing)
    caught(run("storage-management-safety", 20), "S3")


# -- Managed Folders (M1 to M4) -------------------------------------------------------------------------


def with_policy(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    from engine.site import managed

    real = managed.policy_for
    monkeypatch.setattr(managed, "policy_for", lambda *args: change(real(*args), args))


def test_M1_every_folder_under_the_default_policy_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with_policy(monkeypatch, lambda policy, args: args[2].default_policy)
    caught(run("managed-folders", 4), "M1")


def with_lifespan(monkeypatch: pytest.MonkeyPatch, rule: str, days: Callable[[int], int]) -> None:
    """Every policy that has ``rule`` gets it with its lifespan changed."""

    def change(policy: Any, _: Any) -> Any:
        current = getattr(policy, rule)
        if current is None:
            return policy
        changed = current.model_copy(update={"lifespan_days": days(current.lifespan_days)})
        return policy.model_copy(update={rule: changed})

    with_policy(monkeypatch, change)


def test_M2_deleting_before_the_lifespan_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with_lifespan(monkeypatch, "exchange_delete", lambda days: 0)  # today's soft-deleted mail too
    caught(run("managed-folders", 4), "M2")


def test_M3_expiring_before_the_lifespan_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with_lifespan(monkeypatch, "expire_view", lambda days: 1)
    caught(run("managed-folders", 4), "M3")


def test_M4_a_wrong_purge_date_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with_lifespan(monkeypatch, "archive_purge", lambda days: days + 1)
    caught(run("managed-folders", 4), "M4")
