"""Durations as people read them: "1 day", "6 h", "3 min 20 s", "0.4 s" — never
``timedelta``'s "1 day, 0:00:00".  Shared by the console's pages and the scenario
reports, so a duration reads the same everywhere."""

from __future__ import annotations

from datetime import timedelta

#: (seconds in the unit, singular, plural), largest first
UNITS = ((86_400, "day", "days"), (3_600, "h", "h"), (60, "min", "min"), (1, "s", "s"))


def duration_text(value: timedelta | float, parts: int = 2) -> str:
    """``value`` (a timedelta or seconds) in its ``parts`` largest units, zero units
    left out: "1 day", "2 days 3 h", "6 h", "3 min 20 s", "45 s"; under ten seconds
    with a decimal: "4.5 s", "0.4 s", "0.03 s"."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 10:
        # simulated runs often last under a second: two significant digits there
        text = f"{seconds:.2g}" if seconds < 1 else f"{seconds:.1f}".removesuffix(".0")
        return f"{sign}{text} s"
    left = round(seconds)
    words: list[str] = []
    for size, one, many in UNITS:
        count, left = divmod(left, size)
        if count:
            words.append(f"{count} {one if count == 1 else many}")
        elif words:
            break  # consecutive units only: "1 day 5 s" would read as nearly exact
        if len(words) == parts:
            break
    return sign + " ".join(words)


__all__ = ["duration_text"]
