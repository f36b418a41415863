"""The concepts page's race figure: a real exploration (irqlab.race) of one small program,
drawn as its listing with a dot at every line a handler can run after, red where running
there breaks the program. Its claims stop the site's build if the exploration no longer shows
what the page says."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from irqlab.pagefigures import Figure, claim
from irqlab.race import Exploration, explore

EXAMPLE = """\
from machine import Pin

count = 0  # the handler and the main loop both add to it
presses = 0


def on_edge(pin):
    global count, presses
    count += 1
    presses += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
for i in range(3):
    count += 1  # read, add, write back: one line
for i in range(3):
    n = count  # read
    if n >= 0:  # a jump
        count = n + 1  # write back
assert count == 6 + presses, "an update was lost"
"""

ROW, CHAR, GUTTER, TOP = 19, 7.9, 64, 10
SAFE, RACY = "#1565c0", "#c62828"
FONT = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px"


def line_of(text: str) -> int:
    """The number of the first line of EXAMPLE that contains `text`."""
    return next(n for n, line in enumerate(EXAMPLE.splitlines(), 1) if text in line)


def explored() -> Exploration:
    with tempfile.TemporaryDirectory(prefix="irqlab-site-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(EXAMPLE, encoding="utf-8")
        return explore(path, time_limit_s=None)


def race_points() -> Figure:
    found = explored()
    after = {line: failed for (_, line), failed in found.lines().items()}
    one_line, read = line_of("count += 1  #"), line_of("n = count")
    claim(found.baseline is None, "the example runs cleanly with no edge")
    claim(after.get(one_line) is False, "a handler runs after `count += 1`, and never breaks it")
    claim([r.line for r in found.races] == [read], "the one race is after the read, at the if")
    race = found.races[0]
    numbers = {
        "tried": str(found.tried),
        "collapsed": f"{found.collapsed:,}",
        "places": str(found.places),
        "lines": ", ".join(str(n) for n in after),
        "one_line": str(one_line),
        "read": str(read),
        "failing": str(race.placements),
        "story": race.story,
    }
    caption = (
        f"irqlab race on this program: {found.tried} runs, each with one edge on GPIO5, "
        f"{numbers['collapsed']} more edge times collapsed into them, {found.places} "
        f"different places. A dot marks a line the handler ran after (lines "
        f"{numbers['lines']}); red, where the program then failed: after line {read}, in "
        f"{race.placements} of the runs."
    )
    return Figure("race-points", listing_svg(EXAMPLE, after), caption, numbers)


def listing_svg(source: str, after: dict[int, bool]) -> str:
    """`source` as an SVG listing: line numbers, then a dot where a handler ran after the
    line (red if the program then failed), then the line itself."""
    lines = source.splitlines()
    width = round(GUTTER + CHAR * max(len(line) for line in lines) + 12)
    height = TOP + ROW * (len(lines) + 1)
    root = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        role="img",
        style=FONT,
    )
    root.set("aria-label", "race-points")
    ET.SubElement(root, "title").text = "where this program can be interrupted"
    for n, line in enumerate(lines, 1):
        y = TOP + ROW * n
        _text(root, 30, y, str(n), anchor="end", opacity="0.55")
        if n in after:
            colour = RACY if after[n] else SAFE
            ET.SubElement(root, "circle", cx="44", cy=str(y - 4.5), r="5", fill=colour).set(
                "class", "racy" if after[n] else "ran"
            )
        _text(root, GUTTER, y, line)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def _text(parent: ET.Element, x: float, y: float, text: str, **style: str) -> None:
    node = ET.SubElement(parent, "text", x=str(x), y=str(y), fill="currentColor")
    node.set("xml:space", "preserve")  # the indentation is the program's
    if "anchor" in style:
        node.set("text-anchor", style["anchor"])
    if "opacity" in style:
        node.set("fill-opacity", style["opacity"])
    node.text = text
