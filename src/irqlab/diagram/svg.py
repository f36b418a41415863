"""A timing diagram as a standalone SVG document, built with xml.etree (so it is always
well-formed and every text is escaped). Each lane is a <g class="lane" data-lane="...">."""

from __future__ import annotations

import itertools
import math
import textwrap
import xml.etree.ElementTree as ET

from irqlab.diagram.lanes import Diagram, Lane, Levels, Spans, Ticks

LABEL_W, PLOT_W, RIGHT = 96, 640, 24
LANE_H, AXIS_H, TITLE_LINE = 38, 34, 15
CHAR_W = 6.7  # width of one character at the font size below
TITLE_CHARS, TITLE_LINES = 100, 3
HIGH_Y, LOW_Y = 8, 28  # within a lane
FONT = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px"
INK, MUTED, WAVE, BUSY, ALERT, SHADE = "#222", "#777", "#1565c0", "#5e35b1", "#c62828", "#fff3d6"
THEIRS, THEIRS_INK = "#e8f5e9", "#2e7d32"  # the band and labels of the solution's lanes


def render(d: Diagram) -> str:
    title = textwrap.wrap(d.title, TITLE_CHARS, max_lines=TITLE_LINES, placeholder=" …")
    marks_y = 8 + TITLE_LINE * len(title) + 12  # the row where marked moments are named
    top = marks_y + 22  # the first lane
    height = top + LANE_H * len(d.lanes) + AXIS_H
    width = LABEL_W + PLOT_W + RIGHT
    root = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        width=str(width),
        height=str(height),
        viewBox=f"0 0 {width} {height}",
        style=FONT,
    )
    ET.SubElement(root, "title").text = d.title or "timing diagram"
    _el(root, "rect", width=width, height=height, fill="#fff")
    if d.reference_lanes:
        first = top + (len(d.lanes) - d.reference_lanes) * LANE_H
        _el(root, "rect", x=0, y=first, width=width, height=LANE_H * d.reference_lanes, fill=THEIRS)
    _episodes(root, d, top, height - AXIS_H)
    for i, line in enumerate(title):
        _text(root, 8, 8 + TITLE_LINE * (i + 1), line, weight="bold")
    for i, lane in enumerate(d.lanes):
        _lane(root, lane, d, top + i * LANE_H)
    _axis(root, d, height - AXIS_H)
    _marks(root, d, marks_y, height - AXIS_H)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def _x(t_us: float, d: Diagram) -> float:
    return round(LABEL_W + (t_us - d.start_us) * PLOT_W / d.span_us, 1)


def _el(parent: ET.Element, tag: str, **attrs: object) -> ET.Element:
    """A child element; attribute names use _ for - (stroke_width -> stroke-width)."""
    return ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})


def _line(parent: ET.Element, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> None:
    _el(parent, "line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)


def _text(parent: ET.Element, x: float, y: float, text: str, **style: str) -> ET.Element:
    attrs = {"x": str(x), "y": str(y), "fill": style.pop("fill", INK)}
    if "anchor" in style:
        attrs["text-anchor"] = style.pop("anchor")
    if "weight" in style:
        attrs["font-weight"] = style.pop("weight")
    el = ET.SubElement(parent, "text", attrs)
    el.text = text
    return el


def _lane(root: ET.Element, lane: Lane, d: Diagram, y: int) -> None:
    g = ET.SubElement(root, "g", {"class": "lane", "data-lane": lane.label})
    whose, _, what = lane.label.rpartition(": ")
    if whose:  # another program's lane ("solution: print"): its name above, in its colour
        _text(g, 8, y + 14, whose + ":", fill=THEIRS_INK)
        _text(g, 8, y + 27, what, fill=THEIRS_INK)
    else:
        _text(g, 8, y + 22, lane.label, fill=MUTED)
    _line(g, LABEL_W, y + LANE_H - 2, LABEL_W + PLOT_W, y + LANE_H - 2, stroke="#eee")
    if isinstance(lane, Levels):
        _levels(g, lane, d, y)
    elif isinstance(lane, Spans):
        _spans(g, lane, d, y)
    elif isinstance(lane, Ticks):
        _ticks(g, lane, d, y)


def _levels(g: ET.Element, lane: Levels, d: Diagram, y: int) -> None:
    """A step line; an unknown level (an output not yet written) is a dashed middle line."""
    points: list[tuple[float, int | None]] = [(d.start_us, lane.initial)]
    points += [(t, lv) for t, lv in lane.changes]
    points.append((d.end_us, None if not points else points[-1][1]))
    for (t0, lv), (t1, _) in itertools.pairwise(points):
        x0, x1 = _x(t0, d), _x(t1, d)
        if lv is None:
            mid = y + (HIGH_Y + LOW_Y) // 2
            _line(g, x0, mid, x1, mid, stroke=MUTED, stroke_dasharray="3 3")
            continue
        level_y = y + (HIGH_Y if lv else LOW_Y)
        _line(g, x0, level_y, x1, level_y, stroke=WAVE, stroke_width=1.5)
    colour = BUSY if len(lane.changes) > 8 else WAVE
    for t, _ in lane.changes:
        x = _x(t, d)
        _line(g, x, y + HIGH_Y, x, y + LOW_Y, stroke=colour)


def _spans(g: ET.Element, lane: Spans, d: Diagram, y: int) -> None:
    for a, b, name in lane.spans:
        x0, x1 = _x(a, d), _x(b, d)
        width = max(1.5, x1 - x0)
        _el(
            g,
            "rect",
            x=x0,
            y=y + HIGH_Y,
            width=width,
            height=LOW_Y - HIGH_Y,
            fill="#90caf9",
            stroke=WAVE,
        )
        if x1 - x0 > 7 * len(name):
            _text(g, x0 + 3, y + 22, name)


def _ticks(g: ET.Element, lane: Ticks, d: Diagram, y: int) -> None:
    last_label = -1e9
    for x, texts in _same_instant(lane.ticks, d):
        _line(g, x, y + HIGH_Y, x, y + LOW_Y, stroke=INK, stroke_width=2)
        if x - last_label > 70:  # keep labels from running into each other
            many = f" ×{len(texts)}" if len(texts) > 1 else ""
            _text(g, x + 3, y + 22, texts[0][: 14 - len(many)] + many)
            last_label = x


def _same_instant(ticks: tuple[tuple[int, str], ...], d: Diagram) -> list[tuple[float, list[str]]]:
    """Ticks drawn at one x (within 2 px) grouped: two prints at one instant are two."""
    groups: list[tuple[float, list[str]]] = []
    for t, text in ticks:
        x = _x(t, d)
        if groups and x - groups[-1][0] < 2:
            groups[-1][1].append(text)
        else:
            groups.append((x, [text]))
    return groups


def _episodes(root: ET.Element, d: Diagram, top: int, bottom: int) -> None:
    labels = []
    for e in d.episodes:  # every shade first: no label is drawn under the next one's shade
        a, b = max(e.start_us, d.start_us), min(e.end_us, d.end_us)
        x0, x1 = _x(a, d), _x(b, d)
        g = ET.SubElement(root, "g", {"class": "episode", "data-kind": e.kind})
        width = max(1.0, x1 - x0)
        _el(g, "rect", x=x0, y=top - 10, width=width, height=bottom - top + 10, fill=SHADE)
        labels.append((x0, f"{e.noun or e.kind} {e.start_us / 1e6:.3f} s"))
    free_from = -1e9  # where the last label ends: the next starts after it, or goes unlabelled
    for x0, label in labels:
        if x0 + 2 >= free_from:
            on_top = ET.SubElement(root, "g", {"class": "episode-label"})
            _text(on_top, x0 + 2, top - 1, label, fill=MUTED)
            free_from = x0 + 2 + len(label) * CHAR_W + 6


def _axis(root: ET.Element, d: Diagram, y: int) -> None:
    g = ET.SubElement(root, "g", {"class": "axis"})
    _line(g, LABEL_W, y, LABEL_W + PLOT_W, y, stroke=INK)
    step = _nice_step(d.span_us / 6)
    t = math.ceil(d.start_us / step) * step
    while t <= d.end_us:
        x = _x(t, d)
        _line(g, x, y, x, y + 4, stroke=INK)
        _text(g, x, y + 16, _time(t, step), anchor="middle", fill=MUTED)
        t += step


def _marks(root: ET.Element, d: Diagram, y: int, bottom: int) -> None:
    for t, label in d.marks:
        x = _x(t, d)
        g = ET.SubElement(root, "g", {"class": "mark"})
        _line(g, x, y - 10, x, bottom, stroke=ALERT, stroke_dasharray="4 2", stroke_width=1.5)
        note = f"{t / 1e6:.3f} s: {label}"
        left_room, right_room = x - 8, LABEL_W + PLOT_W + RIGHT - x - 8
        if right_room >= min(left_room, len(note) * CHAR_W):  # the side where it fits best
            _text(g, x + 4, y, _fit(note, right_room), fill=ALERT)
        else:
            _text(g, x - 4, y, _fit(note, left_room), fill=ALERT, anchor="end")


def _fit(text: str, room_px: float) -> str:
    chars = max(1, int(room_px / CHAR_W))
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _nice_step(rough_us: float) -> int:
    """1, 2 or 5 times a power of ten, at least `rough_us`."""
    power = 10 ** math.floor(math.log10(max(rough_us, 1)))
    for m in (1, 2, 5, 10):
        if m * power >= rough_us:
            return int(m * power)
    return int(10 * power)


def _time(t_us: int, step_us: int) -> str:
    decimals = max(0, min(6, 6 - int(math.log10(step_us))))
    return f"{t_us / 1e6:.{decimals}f} s"
