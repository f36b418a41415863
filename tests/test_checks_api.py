"""The checks API and the plugin: what a failure, a skip and an error become."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from irqlab import checking
from irqlab.bench import Bench
from irqlab.checks import Failure, fail, required, requires, skip_unless_measured
from irqlab.cli import main
from irqlab.course import load_course
from irqlab.program import load_program
from irqlab.results import CheckResult, LabResult
from irqlab.scenario import Scenario


def run_check(course: Path, *args: str) -> LabResult:
    lab = load_course(course).lab(args[0])
    program = Path(args[1]) if len(args) > 1 else lab.starter
    return checking.check_program(load_course(course), lab, program)


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


def test_requires_takes_the_check_functions_and_stacks_their_names():
    def test_a():
        pass

    def test_b():
        pass

    @requires(test_a)
    @requires(test_b)
    def test_c():
        pass

    assert required(test_c) == ("test_b", "test_a")


@pytest.mark.parametrize("given", ["test_runs", 3, print], ids=["a name", "a number", "no check"])
def test_requires_refuses_anything_but_a_check_when_the_module_is_imported(given):
    with pytest.raises(TypeError, match="takes a check function"):
        requires(given)


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


def test_a_failure_diagram_shows_the_labs_solution_on_the_same_scenario(fakecourse):
    solution = fakecourse / "solutions" / "01-fake" / "main.py"
    solution.parent.mkdir(parents=True)
    solution.write_text((fakecourse / "submissions" / "passing.py").read_text())
    led = by_id(run_check(fakecourse, "1", "submissions/failing.py"))["test_led_follows"]
    assert led.reference == "solutions/01-fake/main.py"
    lanes = [g.get("data-lane") for g in ET.parse(led.diagram).getroot().findall(".//{*}g")]
    assert [lane for lane in lanes if lane] == [
        *("GPIO5 in", "handler", "print", "LED GPIO2"),
        *("solution: handler", "solution: print", "solution: LED GPIO2"),
    ]
    rows = {row[:20].strip(): row[20:] for row in led.waveform.splitlines()}
    theirs, mine = rows["solution: LED GPIO2"], rows["LED GPIO2"]
    assert "▔" in theirs and theirs != mine  # the solution lights the LED; this one does not
    solved = by_id(run_check(fakecourse, "1", str(solution)))
    assert all(c.reference is None for c in solved.values())  # the solution is not its own
    course = load_course(fakecourse)
    bare = checking.check_program(
        course, course.lab(1), Path("submissions/failing.py"), solution_lanes=False
    )
    assert "solution:" not in by_id(bare)["test_led_follows"].waveform  # dev check's way


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


def test_a_check_waits_for_the_one_it_requires(fakecourse, pytester):
    pytester.makepyfile(
        test_01_fake='''
        import pytest
        from irqlab.checks import fail, requires

        @pytest.mark.task(1)
        def test_first(lab):
            """the first thing works"""
            fail("the first thing did not work", expected=1, seen=2)

        @pytest.mark.task(2)
        @requires(test_first)
        def test_second(lab):
            """the second thing works"""
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


def test_an_assert_in_a_check_is_an_error_of_the_course_not_the_students_fail(fakecourse, pytester):
    pytester.makepyfile(
        test_01_fake='''
        import pytest

        @pytest.mark.task(1)
        def test_sloppy(lab):
            """the check asserts instead of failing"""
            assert 1 == 2, "one is not two"
        '''
    )
    out = tmp_path_json(pytester)
    pytester.runpytest_inprocess("--course", str(fakecourse), "--irqlab-json", str(out))
    data = json.loads(out.read_text())
    (sloppy,) = data["checks"]
    assert data["status"] == "error" and sloppy["status"] == "error"
    assert sloppy["message"] == "AssertionError: one is not two (test_01_fake.py line 6)"
    assert sloppy["hint"] is None


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
    monkeypatch.setattr(checking, "SERIAL_MODULE", "irqlab.no_such_module")
    assert main(["check", "1", "--port", "/dev/ttyUSB0"]) == 2
    assert "checking on a real board is not available" in capsys.readouterr().err


def test_the_bench_runs_each_scenario_once(fakecourse, monkeypatch):
    calls = []
    real = Bench._run

    def counting(self, scenario, strict_isr):
        calls.append(scenario)
        return real(self, scenario, strict_isr)

    monkeypatch.setattr(Bench, "_run", counting)
    run_check(fakecourse, "1", "submissions/passing.py")
    assert len(calls) == 1  # three checks, one scenario


def test_a_strict_isr_run_or_a_race_exploration_on_a_real_board_is_a_skip_with_its_reason(
    fakecourse,
):
    bench = Bench(load_program(fakecourse / "submissions" / "passing.py"), port="/dev/ttyUSB0")
    with pytest.raises(pytest.skip.Exception, match="heap lock: this check runs on the sim"):
        bench.run(Scenario(seconds=0.1), strict_isr=True)
    with pytest.raises(pytest.skip.Exception, match="cannot be run again"):
        bench.explore_races(Scenario(seconds=0.1))


def test_when_asyncio_waits_is_measured_on_the_simulator_only():
    skip_unless_measured("sim:esp32", "waits")  # the simulator's select.poll reports its waits
    with pytest.raises(pytest.skip.Exception, match=r"select\.poll: this check runs on the sim"):
        skip_unless_measured("serial:/dev/ttyUSB0", "waits")


def test_a_check_can_run_handlers_with_the_heap_locked_and_ask_for_a_race_exploration(tmp_path):
    program = tmp_path / "main.py"
    program.write_text(
        "from machine import Pin\nimport time\nseen = []\n"
        "def h(p):\n    seen.append([p.value()])\n"  # a new list: allocates in the handler
        "Pin(5, Pin.IN).irq(h)\nPin(4, Pin.OUT).value(1)\ntime.sleep_ms(20)\n"
    )
    bench = Bench(load_program(program))
    (exc,) = bench.run(Scenario(seconds=0.1), strict_isr=True).trace.exceptions("handler")
    assert (exc["type"], exc["line"]) == ("MemoryError", 5)
    assert not bench.run(Scenario(seconds=0.1)).trace.exceptions()
    explored = bench.explore_races(Scenario(seconds=0.1), max_placements=3)
    assert explored.pin == 5 and explored.baseline is None


def test_diagrams_go_where_the_caller_asks(fakecourse, tmp_path):
    course = load_course(fakecourse)
    result = checking.check_program(
        course, course.lab(1), Path("submissions/failing.py"), diagrams=tmp_path / "d"
    )
    led = by_id(result)["test_led_follows"]
    assert led.diagram == str(tmp_path / "d" / "test_led_follows.svg")
    assert ET.parse(led.diagram).getroot().tag.endswith("svg")
    assert not (fakecourse / ".irqlab" / "diagrams").exists()


def test_the_grader_tries_a_broken_check_again_and_never_counts_it_against_the_student(
    fakecourse, tmp_path
):
    from irqlab.grade import worker

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "main.py").write_text((fakecourse / "submissions" / "passing.py").read_text())
    spec = worker.WorkerSpec(2, fakecourse, "limits", 120)
    result = worker.check(spec, folder, tmp_path / "scratch")
    assert (result["status"], result["attempts"]) == ("error", 2)
    assert result["reason"] == (
        "grader error: check test_buggy broke: "
        "KeyError: 'no such field' (test_02_broken.py line 20)"
    )


def test_a_task_that_only_waits_on_another_tasks_failure_is_blocked_not_failed() -> None:
    def check(task: int, status: str, blocked: bool = False) -> CheckResult:
        return CheckResult(f"test_{task}_{status}", task, status, "t", blocked=blocked)

    result = LabResult(
        "01-x",
        "sim:esp32",
        [
            check(1, "pass"),
            check(2, "fail"),
            check(3, "pass"),
            check(3, "skip", blocked=True),  # waits for task 2's check
            check(4, "fail"),
            check(4, "skip", blocked=True),
        ],
    )
    assert [t.status for t in result.tasks] == ["pass", "fail", "blocked", "fail"]
    assert result.status == "fail" and result.first_unfinished_task() == 2
    assert (result.score, result.max_score) == (2, 6)  # a blocked check earns nothing yet
