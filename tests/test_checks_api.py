"""The checks API and the plugin: what a failure, a skip and an error become."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from irqlab import plugin
from irqlab.checks import Failure, fail, requires
from irqlab.cli import main
from irqlab.commands import check as check_command
from irqlab.course import load_course
from irqlab.results import LabResult


def run_check(course: Path, *args: str) -> LabResult:
    lab = load_course(course).lab(args[0])
    submission = Path(args[1]) if len(args) > 1 else lab.starter
    return check_command.check(load_course(course), lab, submission)


def by_id(result: LabResult) -> dict[str, object]:
    return {c.id: c for c in result.checks}


def test_fail_raises_a_failure_that_carries_everything():
    with pytest.raises(Failure) as caught:
        fail("the press got no line", expected="PRESS", seen="", at_us=5, window=(1, 9))
    f = caught.value
    assert (f.message, f.expected, f.seen, f.at_us, f.window) == (
        "the press got no line",
        "PRESS",
        "",
        5,
        (1, 9),
    )


def test_requires_stacks_names_on_the_check():
    @requires("test_a")
    @requires("test_b")
    def test_c():
        pass

    assert test_c._irqlab_requires == ("test_b", "test_a")


def test_a_failure_becomes_a_sentence_with_expected_seen_hint_and_diagram(fakecourse):
    result = run_check(fakecourse, "1", "submissions/failing.py")
    led = by_id(result)["test_led_follows"]
    assert led.status == "fail"
    assert led.title == "the LED is lit while the button is held"
    assert led.message == "the LED was off while the button was held at 0.390 s"
    assert (led.expected, led.seen) == ("LED on (1)", "LED 0")
    assert led.hint == "Write the LED from the main loop: led.value(1 - button.value())."
    svg = Path(led.diagram)
    assert svg == fakecourse / ".irqlab" / "diagrams" / "01-fake" / "test_led_follows.svg"
    lanes = [g.get("data-lane") for g in ET.parse(svg).getroot().findall(".//{*}g")]
    assert [lane for lane in lanes if lane] == ["GPIO5 in", "handler", "print", "LED GPIO2"]
    assert "▁" in led.waveform and "^ " not in led.waveform.splitlines()[0]


def test_checks_that_depend_on_a_failed_check_are_skipped_with_its_sentence(fakecourse):
    result = run_check(fakecourse, "1", "submissions/crashing.py")
    checks = by_id(result)
    assert checks["test_runs"].status == "fail"
    for name in ("test_prints_press", "test_led_follows"):
        assert checks[name].status == "skip" and checks[name].blocked
        assert checks[name].message == (
            "can't check until “the program runs to the end of the scenario without an error” "
            "passes"
        )
    assert result.status == "fail" and result.max_score == 3


def test_an_exception_inside_a_check_is_an_error_not_a_failure(fakecourse, capsys):
    code = main(["check", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    buggy = next(c for c in data["checks"] if c["id"] == "test_buggy")
    assert code == 2 and data["status"] == "error"
    assert buggy["status"] == "error"
    assert buggy["message"] == "KeyError: 'no such field' (test_02_broken.py line 20)"


def test_a_long_expected_value_is_cut_to_200_characters(fakecourse, tmp_path):
    flood = tmp_path / "flood.py"
    flood.write_text("import time\nfor i in range(300):\n    print('PRESS', i)\ntime.sleep(2)\n")
    result = run_check(fakecourse, "1", str(flood))
    press = by_id(result)["test_prints_press"]
    assert press.status == "fail" and len(press.seen) == 200 and press.seen.endswith("…")


def test_a_check_listed_before_the_one_it_requires_still_runs_after_it(fakecourse, pytester):
    pytester.makepyfile(
        test_01_fake='''
        import pytest
        from irqlab.checks import fail, requires

        @pytest.mark.task(2)
        @requires("test_first")
        def test_second(lab):
            """the second thing works"""

        @pytest.mark.task(1)
        def test_first(lab):
            """the first thing works"""
            fail("the first thing did not work", expected=1, seen=2)
        '''
    )
    out = tmp_path_json(pytester)
    res = pytester.runpytest_inprocess("--course", str(fakecourse), "--irqlab-json", str(out))
    res.assert_outcomes(failed=1, skipped=1)
    data = json.loads(out.read_text())
    assert [c["id"] for c in data["checks"]] == ["test_first", "test_second"]
    assert data["checks"][1]["message"] == "can't check until “the first thing works” passes"
    assert data["checks"][0]["hint"] == "Set a flag in the handler and print in the main loop."
    assert "the first thing did not work" in res.stdout.str()


def tmp_path_json(pytester: pytest.Pytester) -> Path:
    return pytester.path / "result.json"


def test_the_plugin_does_nothing_to_tests_that_do_not_use_it(pytester):
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n")
    res = pytester.runpytest_inprocess()
    res.assert_outcomes(passed=1)
    assert "irqlab:" not in res.stdout.str()  # no report header
    assert not (pytester.path / ".irqlab").exists()


def test_a_missing_file_is_a_one_line_error(fakecourse, capsys):
    assert main(["check", "1", "nothing-here.py"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "irqlab: nothing-here.py: no such file or folder (check the path)\n"


def test_an_unknown_lab_is_a_one_line_error(fakecourse, capsys):
    assert main(["check", "9"]) == 2
    assert (
        capsys.readouterr().err
        == "irqlab: there is no lab '9' (the labs are 1, 2; see `irqlab list`)\n"
    )


def test_a_port_without_serial_support_is_a_setup_error(fakecourse, capsys, monkeypatch):
    monkeypatch.setattr(check_command, "SERIAL_MODULE", "irqlab.no_such_module")
    assert main(["check", "1", "--port", "/dev/ttyUSB0"]) == 2
    assert "checking on a real board is not available" in capsys.readouterr().err


def test_the_board_fixture_runs_each_scenario_once(fakecourse, monkeypatch):
    calls = []
    real = plugin.Board._run

    def counting(self, scenario):
        calls.append(scenario)
        return real(self, scenario)

    monkeypatch.setattr(plugin.Board, "_run", counting)
    run_check(fakecourse, "1", "submissions/passing.py")
    assert len(calls) == 1  # three checks, one scenario


def test_diagrams_go_where_the_caller_asks(fakecourse, tmp_path):
    course = load_course(fakecourse)
    result = check_command.check(
        course, course.lab(1), Path("submissions/failing.py"), diagrams=tmp_path / "d"
    )
    led = by_id(result)["test_led_follows"]
    assert led.diagram == str(tmp_path / "d" / "test_led_follows.svg")
    assert ET.parse(led.diagram).getroot().tag.endswith("svg")
    assert not (fakecourse / ".irqlab" / "diagrams").exists()
