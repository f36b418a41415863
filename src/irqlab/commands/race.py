"""Find where an interrupt breaks a program. Runs FILE on the simulated board wired as the lab
kit, once with no edge, then once more for every place an edge on its IRQ pin (GPIO5: high
for 1 ms, then low) can make a difference, and reports each place after which the program
fails (an assert, any exception) when it ran cleanly with no edge: the line its handler ran
after, the lines around it, and a timing diagram of that run."""

from __future__ import annotations

import argparse
import json
import re
import textwrap

from irqlab.diagram import render_text
from irqlab.profiles import PROFILES
from irqlab.race import DEFAULT_SECONDS, DEFAULT_TIME_LIMIT_S, Exploration, Race, explore
from irqlab.racestory import ms
from irqlab.scenario import Scenario

HELP = "find the places where an interrupt breaks a program, and name their lines"
LISTING_MAX = 12  # source lines shown around a race
WIDTH = 88  # of a paragraph
DIAGRAM_BEFORE_US = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a .py file, or a folder with main.py")
    p.add_argument("--board", choices=sorted(PROFILES), default="esp32")
    p.add_argument(
        "--seconds",
        type=_positive,
        default=DEFAULT_SECONDS,
        metavar="S",
        help=f"virtual seconds each run may take (default {DEFAULT_SECONDS:g})",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="try at most N placements, the first ones (default: all of them)",
    )
    p.add_argument(
        "--time-limit",
        type=_positive,
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help=f"real seconds to explore for, at most (default {DEFAULT_TIME_LIMIT_S:g})",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: baseline, placements, collapsed, places, skipped_us, races",
    )


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 3600 seconds")
    return value


def main(args: argparse.Namespace) -> int:
    found = explore(
        args.file,
        Scenario(seconds=args.seconds),
        board=args.board,
        max_placements=args.limit,
        time_limit_s=args.time_limit,
    )
    if args.json:
        print(json.dumps(found.to_json()))
    else:
        print(report(found))
    return 1 if found.baseline or found.races else 0


def report(found: Exploration) -> str:
    """The whole exploration, for a person: what was tried, then each race with its story,
    its lines and a timing diagram."""
    name = found.program.main
    if found.baseline is not None:
        return _wrap(
            f"{name} runs into an error without any interrupt: fix that first. "
            f"With no edge, {found.baseline}."
        )
    parts = [_summary(found)]
    for number, race in enumerate(found.races, 1):
        parts.append(_race(found, race, number))
    parts.append(_verdict(found))
    return "\n\n".join(parts)


def _summary(found: Exploration) -> str:
    board = found.board.upper()
    edge = "rising" if found.trigger & 1 else "falling"
    span = found.end_ns - found.start_ns
    lines = [
        f"{found.program.main} on a simulated {board}: one {edge} edge on GPIO{found.pin}, "
        f"placed at every moment that can make a difference, from {ms(found.start_ns)} (the "
        f"IRQ is set) to {ms(found.end_ns)} (the end), every {found.step_ns} ns.",
        f"{found.tried} placements tried, {found.collapsed} more collapsed into them (the same "
        f"line, the same state): {found.places} different places, found in "
        f"{found.wall_s:.1f} s.",
    ]
    if found.skipped_ns:
        explored = span - found.skipped_ns
        lines.append(
            f"The limit stopped it after {ms(found.start_ns + explored)}: the last "
            f"{ms(found.skipped_ns)} of the run ({found.skipped_ns // found.step_ns} edge "
            "times) were skipped. Give it a higher --limit or --time-limit, or a shorter run."
        )
    return "\n".join(_wrap(line) for line in lines)


def _wrap(text: str) -> str:
    """`text` in lines of WIDTH, never breaking a `quoted line` of the program."""
    kept = re.sub(r"`[^`]*`", lambda m: m[0].replace(" ", "\0"), text)
    filled = textwrap.fill(kept, WIDTH, break_on_hyphens=False, break_long_words=False)
    return filled.replace("\0", " ")


def _race(found: Exploration, race: Race, number: int) -> str:
    more = race.placements - 1
    also = f" ({more} more placements fail there)" if more else ""
    where = f"line {race.line}" if race.line is not None else "no line: the handler never ran"
    head = f"Race {number}: after {where}{also}.\n{_wrap(race.story)}"
    return "\n\n".join(p for p in (head, _listing(found, race), _diagram(found, race)) if p)


def _listing(found: Exploration, race: Race) -> str:
    """The lines the story names, with the one the handler ran after marked."""
    if race.file is None or race.line is None:
        return ""
    try:
        source = (found.program.folder / race.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    named = [int(n) for n in re.findall(r"line (\d+)", race.story) if 0 < int(n) <= len(source)]
    first = max(1, min(named, default=race.line) - 1)
    last = min(len(source), max(named, default=race.line) + 1, first + LISTING_MAX - 1)
    return "\n".join(
        f"{'>' if n == race.line else ' '} {n:4d} | {source[n - 1]}" for n in range(first, last + 1)
    )


def _diagram(found: Exploration, race: Race) -> str:
    """The run that failed, from just before the edge to just after the failure."""
    trace = race.run.trace
    marks = [(race.at_us, f"the edge, at {ms(race.at_ns)}")]
    handler = next((e for e in trace.of("enter") if e["t_us"] >= race.at_us), None)
    if handler is not None:
        marks.append((handler["t_us"], f"the handler, after line {race.line}"))
    failed = next(iter(trace.of("exc")), None)
    if failed is not None:
        marks.append((failed["t_us"], f"{failed['type']} at line {failed.get('line')}"))
    start = max(0, race.at_us - DIAGRAM_BEFORE_US)
    end = max(t for t, _ in marks) + DIAGRAM_BEFORE_US
    return render_text(
        trace,
        start_us=start,
        end_us=max(end, start + 2 * DIAGRAM_BEFORE_US),
        pins=[found.pin],
        outputs=sorted({e["pin"] for e in trace.of("write")}),
        idle=race.run.compiled.idle,
        marks=marks,
        title=f"race {race.line}",
    )


def _verdict(found: Exploration) -> str:
    lines = found.lines()
    after = ", ".join(str(line) for (_, line) in lines)
    text = f"The handler can run after lines {after}." if lines else "The handler never ran."
    if not found.races:
        return _wrap(f"{text} No placement made the program fail.")
    racy = [
        f"line {r.line}" if r.line is not None else "an edge never handled" for r in found.races
    ]
    n = len(found.races)
    return _wrap(f"{text} {n} race{'s' if n > 1 else ''} found: after {', '.join(racy)}.")
