"""Tenant generation benchmarks (`synceng bench tenant`).

* ``tenant_load_messages_per_s`` — generate a profile and load it directly into a
  world; measured in a fresh process so its peak memory (``peak_rss_mb``) is the
  load's own; beside it, generating the same stream without loading (the baseline);
* ``ews_populate_items_per_s`` — populating a served mockews through exchangelib
  (HTTP, impersonation), beside the direct load of the same profile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from exchangelib.protocol import close_connections

from bench.results import Echo, Result, Step, beside, run_steps
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange

_CHILD = """
import json, resource, sys, time
from mockews.store import World
from scenarios.generator import TenantGenerator
from scenarios.profiles import get_profile
from scenarios.sinks import DigestSink, WorldSink
profile, seed, load = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "load"
started = time.perf_counter()
generator = TenantGenerator(get_profile(profile), seed)
if load:
    stats = WorldSink(World(seed=seed, domain=generator.domain)).load(generator.stream())
    messages = stats.messages
else:
    sink = DigestSink()
    messages = 0
    for event in generator.stream():
        messages += type(event).__name__ == "MessageSpec"
elapsed = time.perf_counter() - started
print(json.dumps({"messages": messages, "seconds": elapsed,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(profile: str, seed: int, load: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, profile, str(seed), "load" if load else "generate"],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_load(profile: str, seed: int = 7) -> Result:
    loaded = _child(profile, seed, load=True)
    generated = _child(profile, seed, load=False)
    rate = loaded["messages"] / loaded["seconds"]
    baseline = generated["messages"] / generated["seconds"]
    return {
        "name": "tenant_load_messages_per_s",
        "unit": "messages/s",
        "value": round(rate, 1),
        "extra": {
            "profile": profile,
            "messages": loaded["messages"],
            "seconds": round(loaded["seconds"], 2),
            "peak_rss_mb": round(loaded["peak_rss_mb"], 1),
            **beside("generating the same stream without loading it", "baseline_messages_per_s", rate, baseline, 3),
        },
    }


def bench_ews_populate(profile: str, seed: int = 9) -> Result:
    from scenarios.generator import TenantGenerator
    from scenarios.populate import EwsPopulator
    from scenarios.profiles import get_profile
    from scenarios.serving import generated_world

    started = time.perf_counter()
    direct, _ = generated_world(profile, seed)
    direct_s = time.perf_counter() - started
    direct_items = direct.counts()["items"]
    world, stats = generated_world(profile, seed, empty=True)
    assert stats.service_account and stats.service_password
    with ServerThread(create_app(MockExchange(world, auth="basic"))) as server:
        populator = EwsPopulator(f"{server.url}/EWS/Exchange.asmx", stats.service_account, stats.service_password)
        started = time.perf_counter()
        report = populator.populate(TenantGenerator(get_profile(profile), seed).stream())
        elapsed = time.perf_counter() - started
    close_connections()
    rate = report.items_created / elapsed
    return {
        "name": "ews_populate_items_per_s",
        "unit": "items/s",
        "value": round(rate, 1),
        "extra": {
            "profile": profile,
            "items": report.items_created,
            "seconds": round(elapsed, 2),
            "transport": "HTTP (waitress), exchangelib bulk_create with impersonation",
            **beside("direct load of the same profile", "baseline_items_per_s", rate, direct_items / direct_s, 4),
        },
    }


def run_tenant_benchmarks(quick: bool = False, echo: Echo = print) -> list[Result]:
    steps: list[Step] = [
        ("generation + direct load", lambda: bench_load("small" if quick else "medium")),
        ("EWS population", lambda: bench_ews_populate("tiny" if quick else "small")),
    ]
    return run_steps("bench tenant", steps, echo)
