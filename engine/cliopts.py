"""Options shared by the command groups of `synceng` — one way to share them: a named
list of click decorators applied by :func:`options`, so a command reads its options
top to bottom as they appear in ``--help``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[Any], Any]


def options(*decorators: Decorator) -> Callable[[F], F]:
    """Apply click option decorators in the order written (the first is listed first)."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def options_as(kind: type[Any], *decorators: Decorator) -> Callable[[F], F]:
    """Options handed to the command as one ``kind`` (a dataclass whose fields are the
    options' parameter names), placed after any positional argument (a click context)."""

    def apply(function: F) -> F:
        @functools.wraps(function)
        def gathered(*args: Any, **given: Any) -> Any:
            fields = {name: given.pop(name) for name in kind.__dataclass_fields__}
            return function(*args, kind(**fields), **given)

        return cast(F, options(*decorators)(gathered))

    return apply


def listen(port: int, min_threads: int = 1) -> tuple[Decorator, ...]:
    """--host / --port / --threads of every serving command."""
    return (
        click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on."),
        click.option(
            "--port", default=port, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
        ),
        click.option(
            "--threads",
            default=4,
            show_default=True,
            type=click.IntRange(min_threads, 64),
            help="waitress worker threads.",
        ),
    )


def seed_option(help: str, default: int | None = None) -> Decorator:
    return click.option("--seed", type=int, default=default, show_default=default is not None, help=help)


def report_option(help: str) -> Decorator:
    return click.option(
        "--report",
        default="synceng-report",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help,
    )


def results_options(quick_help: str = "Smaller workloads (a smoke check).") -> tuple[Decorator, ...]:
    """--json / --quick of the benchmarks, and the comparison with a baseline run."""
    return (
        click.option(
            "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here."
        ),
        click.option("--quick", is_flag=True, help=quick_help),
        click.option(
            "--compare",
            "baseline",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="A baseline run's --json file: print both side by side; exit 1 on a regression.",
        ),
        click.option(
            "--max-regression",
            default="10%",
            show_default=True,
            help="With --compare: how much worse a figure may get before the run fails.",
        ),
        click.option(
            "--markdown",
            "markdown_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="With --compare: the table as Markdown too (a CI job summary).",
        ),
    )
