"""The small formatting pieces `icp`'s views share (README, "For operators: `icp`"): times,
durations and ages, and rich table cells, key-value grids and column tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(value: Any) -> str:
    parsed = parse_time(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if parsed else "-"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def age(created: Any, now: datetime | None = None) -> str:
    parsed = parse_time(created)
    if parsed is None:
        return "-"
    seconds = max(((now or datetime.now(UTC)) - parsed).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def between(start: Any, end: Any) -> float | None:
    a, b = parse_time(start), parse_time(end)
    return (b - a).total_seconds() if a and b else None


def pair(record: dict[str, Any]) -> str:
    return f"{record.get('awsRegion') or '?'} ↔ {record.get('remoteLocation') or '?'}"


def cell(value: Any) -> Text:
    """One table cell: a list joined with commas, nothing as "-"."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return Text("-" if value is None or value == "" else str(value))


def key_values() -> Table:
    """A two-column grid: a bold name, then its value."""
    grid = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def columns(title: str | None, *headers: str) -> Table:
    """A table with these column headers; long values fold instead of being cut."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table
