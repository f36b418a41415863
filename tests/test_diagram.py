"""Timing diagrams from a hand-made trace: the lanes, the SVG and the terminal waveform."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from irqlab.diagram import build, render_svg, render_text
from irqlab.diagram.lanes import Levels, Spans, Ticks
from irqlab.scenario import Button, Episode, Press, Scenario, Sensor
from irqlab.trace import Trace

# A press at 100 ms that bounces three times, a handler that runs 200 us, PRESS printed at
# 102 ms, the LED on at 103 ms; a release at 300 ms; a second handler that never returns.
TRACE = Trace(
    [
        {"t_us": 100_000, "kind": "edge", "pin": 5, "level": 0},
        {"t_us": 100_300, "kind": "edge", "pin": 5, "level": 1},
        {"t_us": 100_600, "kind": "edge", "pin": 5, "level": 0},
        {"t_us": 101_000, "kind": "enter", "source": "pin5"},
        {"t_us": 101_200, "kind": "leave", "source": "pin5"},
        {"t_us": 102_000, "kind": "print", "text": "PRESS\n"},
        {"t_us": 103_000, "kind": "write", "pin": 2, "level": 1},
        {"t_us": 300_000, "kind": "edge", "pin": 5, "level": 1},
        {"t_us": 350_000, "kind": "enter", "source": "pin5"},
        {"t_us": 400_000, "kind": "end", "reason": "scenario", "exit": None},
    ]
)
PRESS = Episode("press", 5, 100_000, 100_600, 300_000, 300_000)
WINDOW = {"start_us": 0, "end_us": 400_000}


def test_lanes_hold_levels_handler_runs_prints_and_the_led():
    d = build(TRACE, **WINDOW, idle={5: 1})
    pin, handler, printed, led = d.lanes
    assert isinstance(pin, Levels) and pin.initial == 1 and pin.level_at(200_000) == 0
    assert [lv for _, lv in pin.changes] == [0, 1, 0, 1]
    assert isinstance(handler, Spans)
    assert handler.spans == ((101_000, 101_200, "pin5"), (350_000, 400_000, "pin5"))
    assert isinstance(printed, Ticks) and printed.ticks == ((102_000, "PRESS"),)
    assert isinstance(led, Levels) and led.label == "LED GPIO2"
    assert (led.initial, led.level_at(50_000), led.level_at(200_000)) == (None, None, 1)


def test_a_window_with_irqs_off_shows_them_in_a_lane_of_its_own():
    masked = Trace(
        [
            {"t_us": 10, "kind": "mask"},
            {"t_us": 40, "kind": "enter", "source": "pin5"},
            {"t_us": 45, "kind": "leave", "source": "pin5"},
            {"t_us": 60, "kind": "unmask"},
            {"t_us": 100, "kind": "end", "reason": "scenario", "exit": None},
        ]
    )
    labels = [lane.label for lane in build(masked, start_us=0, end_us=100).lanes]
    assert labels == ["GPIO5 in", "handler", "IRQs off", "print", "LED GPIO2"]
    off = build(masked, start_us=20, end_us=100).lanes[2]
    assert isinstance(off, Spans) and off.spans == ((20, 60, "off"),)
    assert "IRQs off" not in [lane.label for lane in build(masked, start_us=70, end_us=100).lanes]
    assert "IRQs off" in render_text(masked, start_us=0, end_us=100)


def test_a_window_starts_at_the_level_reached_before_it():
    d = build(TRACE, start_us=200_000, end_us=320_000)
    assert d.lanes[0].initial == 0 and d.lanes[-1].initial == 1
    assert d.lanes[1].spans == ()


def test_svg_is_well_formed_with_every_lane_the_mark_and_the_press():
    svg = render_svg(
        TRACE,
        **WINDOW,
        marks=[(250_000, "no <PRESS> & no LED")],
        episodes=[PRESS],
        title='press at 0.100 s: "late"',
    )
    root = ET.fromstring(svg)
    groups = root.findall(".//{*}g")
    lanes = [g.get("data-lane") for g in groups if g.get("class") == "lane"]
    assert lanes == ["GPIO5 in", "handler", "print", "LED GPIO2"]
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "0.250 s: no <PRESS> & no LED" in texts
    assert 'press at 0.100 s: "late"' in texts
    assert [g.get("data-kind") for g in groups if g.get("class") == "episode"] == ["press"]
    assert "PRESS" in texts and "0.1 s" in texts  # the printed line and an axis tick


def test_text_waveform_fits_72_columns_and_draws_levels():
    text = render_text(TRACE, **WINDOW, idle={5: 1}, marks=[(250_000, "missed")])
    rows = text.splitlines()
    assert all(len(r) <= 72 for r in rows)
    assert rows[0].split() == ["0.000", "s", "0.400", "s"]
    pin = rows[1].removeprefix("GPIO5 in").strip()
    assert pin[0] == "▔" and "▒" in pin and pin[len(pin) // 2] == "▁" and pin[-1] == "▔"
    assert rows[2].startswith("handler") and "█" in rows[2]
    assert rows[3].count("┃") == 1
    assert rows[4].startswith("LED GPIO2  ·") and rows[4].endswith("▔")
    assert rows[5].strip() == "^ 0.250 s: missed"
    assert rows[6].strip() == "printed: 0.102 s 'PRESS'"


def test_an_empty_window_still_draws():
    assert ET.fromstring(render_svg(Trace([]), start_us=5, end_us=5)).tag.endswith("svg")
    assert render_text(Trace([]), start_us=0, end_us=0).splitlines()[1].startswith("GPIO5 in")


# The same press, as another program (the lab's solution) answered it: one handler run and
# PRESS at 120 ms, and no LED.
THEIRS = Trace(
    [
        {"t_us": 101_000, "kind": "enter", "source": "pin5"},
        {"t_us": 101_100, "kind": "leave", "source": "pin5"},
        {"t_us": 120_000, "kind": "print", "text": "PRESS 1\n"},
        {"t_us": 400_000, "kind": "end", "reason": "scenario", "exit": None},
    ]
)


def test_a_reference_run_adds_its_own_lanes_below_labelled_with_its_name():
    d = build(TRACE, **WINDOW, idle={5: 1}, reference=THEIRS)
    assert [lane.label for lane in d.lanes] == [
        *("GPIO5 in", "handler", "print", "LED GPIO2"),
        *("solution: handler", "solution: print"),  # it drives no LED: no lane for one
    ]
    assert d.reference_lanes == 2 and d.lanes[-1].ticks == ((120_000, "PRESS 1"),)
    svg = ET.fromstring(render_svg(TRACE, **WINDOW, reference=THEIRS))
    texts = [t.text for t in svg.iter() if t.tag.endswith("text")]
    assert texts.count("solution:") == 2 and "PRESS 1" in texts
    rows = render_text(TRACE, **WINDOW, idle={5: 1}, reference=THEIRS).splitlines()
    assert all(len(r) <= 72 for r in rows[:-2])
    assert rows[5].startswith("solution: handler ") and "█" in rows[5]
    assert rows[-1].strip() == "solution: printed: 0.120 s 'PRESS 1'"


def _texts(svg: str, cls: str) -> list[str]:
    root = ET.fromstring(svg)
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == cls]
    return [t.text or "" for g in groups for t in g.iter("{http://www.w3.org/2000/svg}text")]


def test_two_prints_at_one_instant_are_drawn_as_one_mark_labelled_x2():
    twice = Trace(
        [
            {"t_us": 200_000, "kind": "print", "text": "Alert!!!\n"},
            {"t_us": 200_050, "kind": "print", "text": "Alert!!!\n"},
            {"t_us": 400_000, "kind": "end", "reason": "scenario", "exit": None},
        ]
    )
    once = Trace([twice.events[0], twice.events[2]])
    assert "Alert!!! ×2" in _texts(render_svg(twice, **WINDOW), "lane")
    assert "Alert!!!" in _texts(render_svg(once, **WINDOW), "lane")
    assert not any("×" in t for t in _texts(render_svg(once, **WINDOW), "lane"))


def test_episode_labels_never_overlap_and_a_sensor_says_approach():
    near = [
        Episode("press", 5, 100_000, 100_000, 120_000, 120_000, "approach"),
        Episode("press", 5, 140_000, 140_000, 160_000, 160_000, "approach"),
        Episode("press", 5, 300_000, 300_000, 320_000, 320_000, "approach"),
    ]
    labels = _texts(render_svg(TRACE, **WINDOW, episodes=near), "episode-label")
    assert labels == ["approach 0.100 s", "approach 0.300 s"], labels
    assert _texts(render_svg(TRACE, **WINDOW, episodes=[PRESS]), "episode-label") == [
        "press 0.100 s"
    ]


def test_a_sensors_episodes_are_approaches_and_a_buttons_are_presses():
    timeline = (Press(at=0.1, hold=0.05),)
    sensed = Scenario(world=(Sensor(pin=5),), timeline=timeline, seconds=1).compile()
    pressed = Scenario(world=(Button(pin=5),), timeline=timeline, seconds=1).compile()
    assert [e.noun for e in sensed.episodes] == ["approach"]
    assert [(e.kind, e.noun) for e in pressed.episodes] == [("press", "")]
