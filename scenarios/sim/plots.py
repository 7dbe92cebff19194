"""The scenario report's plots: matplotlib, written as inline SVG (text stays text —
searchable, sharp at any zoom — and the page opens offline).  The time plots share
one axis, simulated time, and mark the administrator's actions (numbered as in the
report's table) and the fault windows on it."""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

from .report_data import HOUR, Mark, Series, Throughput, Window

#: above this many steps a backlog is drawn as its lowest and highest value per interval
MAX_STEPS = 3_000
BINS = 1_000
#: (line, fill) colours, colour-blind safe (Okabe-Ito)
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: fault windows' shading by kind (scenarios.sim.spec.FaultSpec)
FAULTS = {"throttling": "#E69F00", "ews_errors": "#D55E00", "outage": "#7F7F7F", "latency": "#CC79A7"}
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text
    "svg.hashsalt": "synceng",  # the same run draws the same file
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # matplotlib's own, for measuring; the browser's sans-serif shows it
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SVG_ID = re.compile(r'(id="|url\(#|href="#)')


@contextmanager
def figure(height: float = 3.0) -> Iterator[tuple[Any, Any]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, height), layout="constrained")  # one draw: no tight bbox pass
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def svg(fig: Any, name: str, label: str) -> str:
    """The figure as an ``<svg>`` element: ids prefixed with ``name`` (several plots
    share the page), labelled for screen readers."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = SVG_ID.sub(lambda m: f"{m.group(1)}{name}-", text)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def time_axis(ax: Any, start: datetime, end: datetime, marks: list[Mark], windows: list[Window]) -> None:
    """Simulated time on x, with the fault windows shaded and the actions numbered."""
    mdates: Any = importlib.import_module("matplotlib.dates")  # untyped: its classes would taint the callers
    locator = mdates.AutoDateLocator(minticks=6, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    # a day's first tick names the day ("Sun 02 Jun"), the others the hour or the day
    formats = ["%Y", "%b", "%a %d", "%H:%M", "%H:%M", "%S.%f"]
    days = ["", "%Y", "%b", "%a %d %b", "%H:%M", "%H:%M"]
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, formats=formats, zero_formats=days, show_offset=False)
    )
    ax.set_xlim(start, end)
    ax.set_xlabel("simulated time (UTC)")
    for window in windows:
        ax.axvspan(window.start, window.end, color=FAULTS[window.kind], alpha=0.18, lw=0, label=window.text)
    for mark in marks:
        ax.axvline(mark.at, color="#555555", ls="--", lw=1, label="administrator action" if mark.number == 1 else None)
        ax.annotate(
            str(mark.number),
            xy=(mark.at, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#555555"},
        )


def columns(labels: list[str]) -> int:
    return 1 if max((len(label) for label in labels), default=0) > 50 else 2


def legend(fig: Any, ax: Any) -> None:
    """Below the plot, where it hides no data; the figure grows by each row of it past
    the second, or many entries (ten sites' tasks and fault windows) would squeeze the
    axes to nothing."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ncols = columns(labels)
        fig.legend(handles, labels, loc="outside lower left", ncols=ncols, frameon=False, fontsize=9)
        rows = -(-len(labels) // ncols)
        fig.set_figheight(fig.get_figheight() + 0.2 * max(0, rows - 2))


def envelope(points: list[tuple[datetime, int]], end: datetime) -> tuple[list[datetime], list[int], list[int]]:
    """The lowest and highest value in each of BINS equal intervals (a step function)."""
    start = points[0][0]
    width = (end - start) / BINS
    lows, highs = [0] * BINS, [0] * BINS
    index, value = 0, 0
    for n in range(BINS):
        until = start + (n + 1) * width
        low = high = value
        while index < len(points) and points[index][0] < until:
            value = points[index][1]
            low, high = min(low, value), max(high, value)
            index += 1
        lows[n], highs[n] = low, high
    return [start + n * width for n in range(BINS)], lows, highs


def backlog_plot(series: list[Series], start: datetime, end: datetime, marks: list[Mark], windows: list[Window]) -> str:
    title = "Changes not yet replicated (items)"
    with figure() as (fig, ax):
        for n, line in enumerate(series):
            colour = COLOURS[n % len(COLOURS)]
            points = [*line.points, (end, line.at(end))]
            if len(points) > MAX_STEPS:
                xs, lows, highs = envelope(points, end)
                ax.fill_between(xs, lows, highs, step="post", color=colour, alpha=0.35, lw=0)
                ax.step(xs, highs, where="post", color=colour, lw=1, label=f"{line.label} (highest per interval)")
            else:
                ax.step(
                    [p[0] for p in points], [p[1] for p in points], where="post", color=colour, lw=1.2, label=line.label
                )
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("changes not yet replicated\n(items)")
        ax.set_title(title, pad=20)  # above the actions' numbers
        time_axis(ax, start, end, marks, windows)
        legend(fig, ax)
        return svg(fig, "backlog", title)


def clip(ax: Any, hours: list[datetime], totals: list[int]) -> None:
    """A full replication's hour can dwarf the incremental ones: the axis stops above
    the ordinary hours and the taller bars say their height."""
    ordinary = sorted(t for t in totals if t)
    if len(ordinary) < 6:
        return
    top = max(1.0, ordinary[int(0.9 * (len(ordinary) - 1))] * 1.4)
    if ordinary[-1] <= 2 * top:
        return
    ax.set_ylim(0, top)
    for hour, total in zip(hours, totals, strict=True):
        if total > top:
            ax.annotate(
                f"{total:,} ↑",
                xy=(hour + HOUR / 2, top),
                ha="center",
                va="top",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )


def throughput_plot(data: Throughput, end: datetime, marks: list[Mark], windows: list[Window]) -> str:
    title = "Throughput: items sent to the archive per simulated hour"
    with figure() as (fig, ax):
        bottom = [0] * len(data.hours)
        centres = [hour + HOUR / 2 for hour in data.hours]
        for n, (task, values) in enumerate(data.per_task.items()):
            ax.bar(
                centres,
                values,
                width=HOUR * 0.9,
                bottom=bottom,
                color=COLOURS[n % len(COLOURS)],
                label=f"task “{task}”",
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        clip(ax, data.hours, bottom)
        ax.set_ylabel("items per\nsimulated hour")
        ax.set_title(title, pad=20)  # above the actions' numbers
        time_axis(ax, data.hours[0], max(end, data.hours[-1] + HOUR), marks, windows)
        legend(fig, ax)
        return svg(fig, "throughput", title)


def durations_plot(seconds: list[float]) -> str:
    title = "Execution durations (simulated seconds)"
    with figure(2.6) as (fig, ax):
        ax.hist(seconds or [0.0], bins=30, color=COLOURS[0])
        ax.set_xlabel("execution duration (simulated seconds)")
        ax.set_ylabel("executions")
        ax.set_title(title)
        return svg(fig, "durations", title)


__all__ = ["backlog_plot", "durations_plot", "throughput_plot"]
