"""The site reads the console's configuration as the wire type the console documents
(issue 11 item 3): a real console's configuration is taken as sent, and one the site
cannot run is refused whole — not applied, not acknowledged (T3), the faulty field
named — instead of failing with a KeyError halfway through a run."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

from sqlalchemy import text

from engine.site.site import Site
from engine.wire.site_console import parse_config
from scenarios.testbed import Testbed

from .conftest import ALICE, DAILY_2AM


def drive(process: Generator[Any, None, None]) -> None:
    for _ in process:  # a poll yields only its cost
        pass


def site_with_task(bed: Testbed) -> tuple[Site, int, int, int]:
    site_id, key = bed.register_site()
    definition = bed.definition("MFR", {"type": "mfr"})
    schedule = bed.schedule("Nightly", DAILY_2AM)
    task = bed.task(site_id, "mfr", definition, schedule, {"kind": "single_mailbox", "address": ALICE})
    return bed.site(key), task, definition, schedule


def test_a_real_consoles_configuration_is_the_wire_type_as_sent(bed: Testbed) -> None:
    site, task, _, _ = site_with_task(bed)
    raw = site.console.call("GET", "/api/site/config")
    config, etag = site.console.config(None)
    assert config == parse_config(raw) == raw and etag == f'"{raw["version"]}"'
    drive(site.poll())
    assert site.malformed is None
    assert site.slots[task].spec == raw["tasks"][0]
    assert site.slots[task].spec["schedule"]["times"]["start"] == "02:00:00"
    assert bed.task_view(task)["information"]["status"] == "Scheduled"  # acknowledged (T3)


def test_a_malformed_configuration_is_refused_whole_and_not_acknowledged(bed: Testbed) -> None:
    site, task, definition, schedule = site_with_task(bed)
    drive(site.poll())
    version = site.version
    # a console of another version (or a bug) keeps a schedule no site can run …
    with bed.platform.console_store.engine.begin() as conn:
        conn.execute(
            text("UPDATE schedules SET spec = :spec WHERE id = :id"),
            {"spec": json.dumps({"kind": "hourly"}), "id": schedule},
        )
    # … and issues a new configuration version with it
    bed.call("PUT", f"/api/definitions/{definition}", {"name": "MFR", "spec": {"type": "mfr", "exclude_inbox": True}})
    drive(site.poll())
    assert site.malformed is not None and "malformed at tasks.0.schedule" in site.malformed, site.malformed
    # the task runs on with the configuration it had, which is all the site acknowledged
    # (the console shows it Pending, T3)
    assert site.version == version and site.slots[task].spec["definition"]["exclude_inbox"] is False
    assert site.slots[task].spec["schedule"]["times"]["start"] == "02:00:00"
    with bed.platform.console_store.engine.connect() as conn:
        acked, issued = conn.execute(text("SELECT acked_version, config_version FROM sites")).one()
    assert acked == version < issued
