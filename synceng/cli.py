"""One ``synceng`` group composed of the layers' own commands: the engine's
(:mod:`engine.cli`: serve console/archive, console, site), the testbed's
(:mod:`scenarios.cli`: serve the mocks, demo, scenario, populate) and the benchmarks'
(:mod:`bench.cli`).  This is the only module that sees all three; the engine never
imports the testbed.  ``synceng serve`` is the testbed's group (alone it serves the
mocks) with the engine's two serving commands added beside ``serve ews``.
"""

from __future__ import annotations

import click

from bench import cli as bench_cli
from engine import cli as engine_cli
from scenarios import cli as testbed_cli


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="synceng")
def main() -> None:
    """Exchange Tasks synchronization engine and its mock-Exchange testbed."""


for command in engine_cli.SERVE_COMMANDS:
    testbed_cli.serve.add_command(command)
for command in (*engine_cli.COMMANDS, *testbed_cli.COMMANDS, *bench_cli.COMMANDS):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
