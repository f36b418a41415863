"""The site's figures: each runs an experiment on the simulated board and draws what it found
as an SVG, with the numbers the page quotes. A page asks for one by name:

    {{ irqlab_figure("polling-latency") }}             the diagram and its caption
    {{ irqlab_number("polling-misses", "missed_1000") }}   one of its numbers, inline
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import ScalarFormatter

from irqlab.diagram import render_svg
from irqlab.pagefigures import Figure, inline_svg
from irqlab.site import experiments as ex
from irqlab.site.race_figure import race_points

INK = "#0b0c0d"  # drawn as the page's text colour (replaced by currentColor)
BLUE, ORANGE, GREEN, RED = "#3f51b5", "#f57c00", "#2e7d32", "#c62828"


def _style() -> dict[Any, Any]:  # matplotlib types its keys as literals
    return {
        "svg.fonttype": "none",  # text stays text: the page's font, searchable
        "font.size": 10,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.transparent": True,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def to_svg(fig: MplFigure, name: str) -> str:
    """The figure as an SVG element to inline in a page: ids made unique to `name`, ink
    following the page's colour scheme, sized by CSS."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = svg.replace(INK, "currentColor")
    svg = re.sub(r'\s(width|height)="[\d.]+pt"', "", svg, count=2)
    svg = _prefix_ids(svg, name)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)
    return "\n".join(line for line in svg.splitlines() if line.strip())


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    svg = re.sub(rf'(\sid=")({pattern})"', rf'\1{prefix}-\2"', svg)
    return re.sub(rf"#({pattern})\b", rf"#{prefix}-\1", svg)


def plot_svg(name: str, draw: Callable[[MplFigure], None], size: tuple[float, float]) -> str:
    with plt.rc_context(_style()):
        fig = plt.figure(figsize=size)
        draw(fig)
        return to_svg(fig, name)


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def polling_latency() -> Figure:
    periods = [5, 10, 20, 50, 100, 200, 500, 1000]
    runs = ex.polling_sweep(periods, hold_s=1.5, count=10)

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        ax.plot(periods, [r.worst_ms for r in runs], "o-", color=RED, label="worst")
        ax.plot(periods, [r.mean_ms for r in runs], "s--", color=BLUE, label="mean")
        ax.set(xscale="log", yscale="log", xlabel="poll period (ms)", ylabel="press to PRESS (ms)")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ScalarFormatter())
        ax.legend()

    by = {p: r for p, r in zip(periods, runs, strict=True)}
    numbers = {f"worst_{p}": _ms(r.worst_ms) for p, r in by.items()}
    numbers |= {f"mean_{p}": _ms(r.mean_ms) for p, r in by.items()}
    caption = (
        f"A polling loop with sleep_ms(period), 10 presses at random moments, each run on the "
        f"simulated ESP32. The worst delay is one period: {numbers['worst_10']} at 10 ms, "
        f"{numbers['worst_100']} at 100 ms, {numbers['worst_1000']} at 1000 ms."
    )
    return Figure("polling-latency", plot_svg("polling-latency", draw, (6, 3.2)), caption, numbers)


def polling_misses() -> Figure:
    periods = [10, 20, 50, 80, 100, 200, 500, 1000]
    runs = ex.polling_sweep(periods, hold_s=0.08, count=20)

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        ax.bar([str(p) for p in periods], [100 * r.miss_rate for r in runs], color=ORANGE)
        ax.set(xlabel="poll period (ms)", ylabel="80 ms presses missed (%)", ylim=(0, 100))

    by = {p: r for p, r in zip(periods, runs, strict=True)}
    numbers = {f"missed_{p}": f"{r.missed} of {len(r.latencies_us)}" for p, r in by.items()}
    caption = (
        f"20 presses of 80 ms each against the same loop. Polling every 50 ms misses "
        f"{numbers['missed_50']}; every 100 ms, {numbers['missed_100']}; once a second, "
        f"{numbers['missed_1000']}. A press shorter than the period can fall between two reads."
    )
    return Figure("polling-misses", plot_svg("polling-misses", draw, (6, 3.0)), caption, numbers)


def slow_job() -> Figure:
    polled, flagged = ex.slow_job(approach_s=0.1)
    total = len(polled.latencies_us)

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        labels = [polled.label, flagged.label]
        seen = [len(polled.seen), len(flagged.seen)]
        missed = [polled.missed, flagged.missed]
        ax.barh(labels, seen, color=GREEN, label="alerted")
        ax.barh(labels, missed, left=seen, color=RED, label="missed")
        ax.set(xlabel=f"100 ms approaches (of {total})")
        ax.legend(loc="lower right")

    numbers = {
        "total": str(total),
        "poll_missed": str(polled.missed),
        "flag_missed": str(flagged.missed),
        "flag_worst": _ms(flagged.worst_ms),
    }
    caption = (
        f"A main loop that spends 300 ms in a slow job, and {total} approaches of 100 ms. "
        f"Reading the sensor between jobs misses {polled.missed}; an IRQ handler that only "
        f"counts misses {flagged.missed}, and the alert comes at most {numbers['flag_worst']} "
        "later, when the job ends."
    )
    return Figure("slow-job", plot_svg("slow-job", draw, (6, 1.8)), caption, numbers)


def flag_timing() -> Figure:
    """The timing diagram a check draws, for one short approach during the slow job."""
    timing = ex.flag_timing()
    svg = render_svg(
        timing.run.trace,
        start_us=timing.edge_us - 100_000,
        end_us=timing.alert_us + 100_000,
        marks=[(timing.edge_us, "approach"), (timing.alert_us, "Alert!!!")],
        episodes=timing.run.compiled.episodes,
    )
    handler = timing.handler_us - timing.edge_us
    numbers = {
        "handler_us": f"{handler} µs",
        "alert_ms": _ms((timing.alert_us - timing.edge_us) / 1000),
    }
    caption = (
        f"One 100 ms approach in the middle of the 300 ms job, drawn as a failing check draws it. "
        f"The handler ran {numbers['handler_us']} after the edge, while the job slept; the "
        f"alert came {numbers['alert_ms']} after it, when the job ended."
    )
    return Figure("flag-timing", inline_svg(svg), caption, numbers)


def bounce_edges() -> Figure:
    press = ex.bounce_press()
    t0 = press.start_us

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        times = [0.0] + [(t - t0) / 1000 for t, _ in press.edges if t - t0 < 20_000]
        levels = [1] + [lv for t, lv in press.edges if t - t0 < 20_000]
        times.append(times[-1] + 2)
        levels.append(levels[-1])
        ax.step([times[0] - 1, *times], [1, *levels], where="post", color=BLUE)
        for t in press.handler_starts:
            if t - t0 < 20_000:
                ax.axvline((t - t0) / 1000, ymin=0.05, ymax=0.15, color=RED)
        ax.set(xlabel="ms after the first edge", ylabel="GPIO5", yticks=[0, 1])
        ax.set_title("red ticks: the IRQ handler ran", loc="right", fontsize=9)

    press_edges = [t for t, _ in press.edges if t <= press.settled_us]
    runs = [t for t in press.handler_starts if t <= press.settled_us + 5_000]
    numbers = {
        "edges": str(len(press_edges)),
        "handler_runs": str(len(runs)),
        "settle": _ms((press.settled_us - press.start_us) / 1000),
    }
    caption = (
        f"One press of a bouncing button: {numbers['edges']} edges in {numbers['settle']} "
        f"before the contacts settle, and a handler on IRQ_FALLING that ran "
        f"{numbers['handler_runs']} times for it."
    )
    return Figure("bounce-edges", plot_svg("bounce-edges", draw, (6, 2.2)), caption, numbers)


def debounce_windows() -> Figure:
    windows = [0, 1, 2, 5, 10, 20, 50]
    results = ex.debounce_sweep(windows)
    presses = results[0].presses

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        for method, colour, label in (
            ("lockout", ORANGE, "ignore edges for W ms"),
            ("settle", GREEN, "wait W ms of quiet, then read"),
        ):
            rows = [r for r in results if r.method == method]
            ax.plot([str(r.window_ms) for r in rows], [r.reported for r in rows], "o-",
                    color=colour, label=label)  # fmt: skip
        ax.axhline(presses, color=INK, linestyle=":", label=f"{presses} real presses")
        ax.set(xlabel="window W (ms)", ylabel="PRESS lines printed")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))

    got = {(r.method, r.window_ms): r.reported for r in results}
    numbers = {f"{m}_{w}": str(n) for (m, w), n in got.items()}
    numbers["edges"] = str(results[0].edges)
    numbers["presses"] = str(presses)
    caption = (
        f"{presses} presses of a bouncing button ({numbers['edges']} edges). With no window a "
        f"handler on IRQ_FALLING reports {numbers['lockout_0']}; ignoring edges for 20 ms still "
        f"reports {numbers['lockout_20']}, because the release bounces too; waiting for 10 ms "
        f"of quiet and then reading the pin reports {numbers['settle_10']}."
    )
    return Figure(
        "debounce-windows", plot_svg("debounce-windows", draw, (6, 3.2)), caption, numbers
    )


def queue_drops() -> Figure:
    rates = [200, 500, 800, 1000, 1500, 2000, 5000]
    results = ex.queue_sweep(rates, work_us=1000, pulses=200)

    def draw(fig: MplFigure) -> None:
        ax = fig.add_subplot()
        labels = [f"{r.hz}" for r in results]
        ax.bar(labels, [r.handled for r in results], color=GREEN, label="handler ran")
        ax.bar(labels, [r.dropped for r in results], bottom=[r.handled for r in results],
               color=RED, label="dropped: queue full")  # fmt: skip
        ax.set(xlabel="edges per second", ylabel="of 200 rising edges")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))

    last = results[-1]
    kept = [r.hz for r in results if r.dropped == 0]
    numbers = {f"dropped_{r.hz}": str(r.dropped) for r in results}
    numbers |= {f"handled_{r.hz}": str(r.handled) for r in results}
    numbers["high_water"] = str(max(r.high_water or 0 for r in results))
    caption = (
        f"200 rising edges at each rate into a handler that takes 1 ms. Up to "
        f"{max(kept, default=0)} a second every edge gets its run; at {last.hz} a second "
        f"only {last.handled} do and {last.dropped} are dropped without a word, once the "
        f"scheduler's queue holds {numbers['high_water']}."
    )
    return Figure("queue-drops", plot_svg("queue-drops", draw, (6, 3.0)), caption, numbers)


FIGURES: dict[str, Callable[[], Figure]] = {
    "polling-latency": polling_latency,
    "polling-misses": polling_misses,
    "slow-job": slow_job,
    "flag-timing": flag_timing,
    "bounce-edges": bounce_edges,
    "debounce-windows": debounce_windows,
    "queue-drops": queue_drops,
    "race-points": race_points,  # a real run of the race explorer (irqlab.race)
}
