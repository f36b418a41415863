"""A timing diagram as a few lines of Unicode for a terminal (▁ low, ▔ high, ▒ bouncing)."""

from __future__ import annotations

from irqlab.diagram.lanes import Diagram, Lane, Levels, Spans, Ticks

WIDTH = 72  # columns in all, labels included
LABEL = 11
MAX_LABEL = 21  # for the labels of the solution's lanes
LOW, HIGH, BUSY, UNKNOWN = "▁", "▔", "▒", "·"
MAX_LINES_LISTED = 3


def render(d: Diagram, width: int = WIDTH) -> str:
    label = _label_width(d)
    cols = max(10, width - label)
    rows = [_axis(d, cols, label)]
    for lane in d.lanes:
        rows.append(lane.label[: label - 1].ljust(label) + _cells(lane, d, cols))
    rows += _marks(d, cols, label)
    rows += _printed(d, label)
    return "\n".join(r.rstrip() for r in rows)


def _label_width(d: Diagram) -> int:
    """LABEL columns, wider when another program's lanes are drawn ('solution: print')."""
    longest = max(
        (len(lane.label) for lane in d.lanes[len(d.lanes) - d.reference_lanes :]), default=0
    )
    return min(MAX_LABEL, max(LABEL, longest + 1))


def _bounds(d: Diagram, col: int, cols: int) -> tuple[float, float]:
    step = d.span_us / cols
    return d.start_us + col * step, d.start_us + (col + 1) * step


def _column(t_us: int, d: Diagram, cols: int) -> int:
    return min(cols - 1, max(0, int((t_us - d.start_us) * cols / d.span_us)))


def _cells(lane: Lane, d: Diagram, cols: int) -> str:
    if isinstance(lane, Levels):
        return "".join(_level_cell(lane, *_bounds(d, c, cols)) for c in range(cols))
    cells = [" "] * cols
    if isinstance(lane, Spans):
        for a, b, _ in lane.spans:
            for c in range(_column(a, d, cols), _column(b, d, cols) + 1):
                cells[c] = "█"
    elif isinstance(lane, Ticks):
        for t, _ in lane.ticks:
            cells[_column(t, d, cols)] = "┃"
    return "".join(cells)


def _level_cell(lane: Levels, a: float, b: float) -> str:
    inside = [lv for t, lv in lane.changes if a <= t < b]
    if len(inside) > 1:
        return BUSY
    level = inside[-1] if inside else lane.level_at(int(a))
    return UNKNOWN if level is None else HIGH if level else LOW


def _axis(d: Diagram, cols: int, label: int = LABEL) -> str:
    left, right = _seconds(d.start_us, d), _seconds(d.end_us, d)
    gap = max(1, cols - len(left) - len(right))
    return " " * label + left + " " * gap + right


def _marks(d: Diagram, cols: int, label: int = LABEL) -> list[str]:
    rows = []
    for t, text in d.marks:
        col = _column(t, d, cols)
        note = f"{_seconds(t, d)}: {text}"
        if col + 2 + len(note) <= cols:
            rows.append(" " * (label + col) + "^ " + note)
        elif len(note) + 2 <= col:
            rows.append(" " * (label + col - len(note) - 1) + note + " ^")
        else:  # too long for either side: the caret, then the note on a line of its own
            rows += [" " * (label + col) + "^", " " * label + _fit(note, cols)]
    return rows


def _printed(d: Diagram, label: int = LABEL) -> list[str]:
    """What each program printed in the window: 'printed: ...', 'solution: printed: ...'."""
    rows = []
    for lane in (lane for lane in d.lanes if isinstance(lane, Ticks)):
        shown = [f"{_seconds(t)} {text[:40]!r}" for t, text in lane.ticks[:MAX_LINES_LISTED]]
        more = len(lane.ticks) - len(shown)
        if more > 0:
            shown.append(f"and {more} more")
        if shown:
            rows.append(" " * label + lane.label + "ed: " + ", ".join(shown))
    return rows


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _seconds(t_us: int | float, d: Diagram | None = None) -> str:
    # A window under 10 ms (a race, a bounce) in ms, to the microsecond: in seconds it
    # would read 0.000 s from edge to edge.
    if d is not None and d.end_us - d.start_us < 10_000:
        return f"{t_us / 1e3:.3f} ms"
    return f"{t_us / 1e6:.3f} s"
