"""The site's build-time parts: placeholders, the command reference, the labs' navigation and
the figures' SVG. (The whole site is built and browsed in test_site.py.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from irqlab import cli
from irqlab.course import load_course
from irqlab.labmodule import demo_scenario
from irqlab.pagefigures import Figure, FigureError, LabRuns, claim
from irqlab.site import experiments, nav, placeholders, reference
from irqlab.site.cache import FigureCache
from irqlab.site.figures import plot_svg

ROOT = Path(__file__).resolve().parents[1]
WAVEFORM = re.compile(r"[▁▔▒█┃]{3,}")  # what irqlab.diagram.render_text draws
PRINTED = re.compile(r"printed: \d+\.\d{3} s '")  # the line under a text waveform

FAKE = Figure("fake", "<svg><text>hi</text></svg>", "a caption with 3 < 4", {"n": "42 ms"})


def fake_get(name: str) -> Figure:
    if name != "fake":
        raise KeyError(f"no figure named {name!r}")
    return FAKE


def test_a_figure_placeholder_becomes_the_svg_and_its_caption() -> None:
    out = placeholders.fill('text\n\n{{ irqlab_figure("fake") }}\n\nmore', fake_get, {})
    assert '<figure class="irqlab-figure" id="figure-fake">' in out
    assert "<svg><text>hi</text></svg>" in out
    assert "<figcaption>a caption with 3 &lt; 4</figcaption>" in out


def test_a_figure_inside_a_tab_stays_indented_in_it() -> None:
    out = placeholders.fill('=== "A"\n\n    {{ irqlab_figure("fake") }}\n', fake_get, {})
    block = out.split('=== "A"\n', 1)[1]
    assert all(line.startswith("    ") for line in block.splitlines() if line.strip())


def test_numbers_and_values_are_filled_inline() -> None:
    out = placeholders.fill(
        'worst {{ irqlab_number("fake", "n") }} at {{ repo_url }}', fake_get, {"repo_url": "U"}
    )
    assert out == "worst 42 ms at U"


def test_an_escaped_placeholder_is_shown_as_written() -> None:
    out = placeholders.fill('`\\{{ irqlab_figure("nope") }}`', fake_get, {})
    assert out == '`{{ irqlab_figure("nope") }}`'


@pytest.mark.parametrize(
    "text", ['{{ irqlab_figure("nope") }}', '{{ irqlab_number("fake", "x") }}', "{{ nothing }}"]
)
def test_an_unknown_placeholder_is_an_error(text: str) -> None:
    with pytest.raises(KeyError):
        placeholders.fill(text, fake_get, {})


def test_the_reference_has_every_command_option_and_help_line() -> None:
    page = reference.markdown()
    modules = cli.commands()
    for name, parser in reference.subcommands(cli.build_parser()).items():
        assert f"## irqlab {name}\n" in page
        assert modules[name].HELP in page
        for option in parser._option_string_actions:
            if option not in ("-h", "--help"):
                assert f"`{option}" in page


def test_the_labs_nav_follows_course_toml_and_names_missing_pages(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(
        '[[lab]]\nnumber = 2\nslug = "02-b"\ntitle = "B"\n'
        '[[lab]]\nnumber = 1\nslug = "01-a"\ntitle = "A"\n'
    )
    docs = tmp_path / "docs"
    (docs / "labs").mkdir(parents=True)
    (docs / "labs" / "01-a.md").write_text("# A\n")
    entries, missing = nav.lab_entries(load_course(tmp_path), docs)
    assert entries == [{"1. A": "labs/01-a.md"}]
    assert len(missing) == 1 and "docs/labs/02-b.md does not exist" in missing[0]
    placed = nav.place([{"Home": "index.md"}, {"Labs": []}], "Labs", entries, docs, "labs")
    assert placed == [{"Home": "index.md"}, {"Labs": [{"1. A": "labs/01-a.md"}]}]
    course = load_course(tmp_path)
    assert nav.lab_table(course, docs).splitlines()[2] == "| 1. [A](01-a.md) |  |"
    assert nav.lab_table(course, docs, "labs/").splitlines()[2] == "| 1. [A](labs/01-a.md) |  |"
    assert nav.lab_table(course, docs).splitlines()[3] == "| 2. B |  |", "no page yet: no link"


def test_the_notebooks_nav_lists_each_labs_notebook_by_its_title(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text('[[lab]]\nnumber = 1\nslug = "01-a"\ntitle = "A"\n')
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    cell = {"cell_type": "markdown", "source": ["# How late\n", "text"]}
    (docs / "notebooks" / "01-a.ipynb").write_text(json.dumps({"cells": [cell]}))
    course = load_course(tmp_path)
    assert nav.notebook_entries(course, docs) == [{"How late (lab 1)": "notebooks/01-a.ipynb"}]
    assert nav.notebook_table(course, docs).splitlines()[-1] == "| 1. A | [How late](01-a.ipynb) |"


def test_a_figure_svg_follows_the_page_colour_and_has_its_own_ids() -> None:
    svg = plot_svg("demo", lambda fig: fig.add_subplot().plot([0, 1], [1, 0]), (3, 2))
    assert svg.startswith("<svg ") and "currentColor" in svg
    assert 'id="demo-' in svg and not svg.count('id="figure_1"')


def test_polling_experiments_measure_what_the_course_says() -> None:
    fast = experiments.polling(10, hold_s=0.08, count=10)
    slow = experiments.polling(1000, hold_s=0.08, count=10)
    assert fast.missed == 0 and fast.worst_ms <= 12
    assert slow.missed >= 8


def test_a_full_queue_drops_edges_and_a_slow_rate_does_not() -> None:
    slow, fast = experiments.queue_sweep([200, 5000], work_us=1000, pulses=100)
    assert slow.dropped == 0 and slow.handled == 100
    assert fast.dropped > 0 and fast.handled + fast.dropped == 100


# -- the lab pages' figures: made from runs when the site is built, never pasted ------------


def lab_pages() -> list[Path]:
    pages = [lab.page for lab in load_course(ROOT).labs]
    assert pages, "course.toml lists no labs"
    return pages


def test_no_lab_page_pastes_a_waveform_or_a_measured_print() -> None:
    for page in lab_pages():
        text = page.read_text(encoding="utf-8")
        assert placeholders.FIGURE.search(text), f"{page.name} has no figure made at build time"
        source = placeholders.NUMBER.sub("", placeholders.FIGURE.sub("", text))
        for number, line in enumerate(source.splitlines(), 1):
            pasted = WAVEFORM.search(line) or PRINTED.search(line)
            assert not pasted, f"{page.name}:{number} pastes a waveform: {line.strip()}"


@pytest.fixture(scope="module")
def figures() -> FigureCache:
    return FigureCache(ROOT)


def test_every_lab_figure_a_page_asks_for_is_drawn_from_a_run(figures: FigureCache) -> None:
    asked: set[str] = set()
    for page in lab_pages():
        text = page.read_text(encoding="utf-8")
        filled = placeholders.fill(text, figures.get, {"lab_table": "", "repo_url": ""})
        for _, name in placeholders.FIGURE.findall(text):
            figure = figures.get(name)  # its recipe's claims hold, or this raises
            assert f'id="figure-{name}"' in filled
            assert figure.svg.startswith("<svg ") and figure.caption
            assert figure.svg.count('class="lane"') >= 3, f"{name} draws no timing diagram"
            assert 'class="episode"' in figure.svg, f"{name} shows no press or approach"
            asked.add(name)
    assert asked == set(figures.labs()), "a lab figure no page shows"


def test_a_figure_whose_page_no_longer_holds_stops_the_build() -> None:
    claim(True, "fine")
    with pytest.raises(FigureError, match="no longer shows what its page says: two lines"):
        claim(False, "two lines")


def test_a_run_that_several_figures_show_is_made_once() -> None:
    lab = load_course(ROOT).labs[0]
    runs, scenario = LabRuns(lab), demo_scenario(lab)
    assert runs.run("starter", scenario) is runs.run("starter", scenario)
    with pytest.raises(FigureError, match="missing"):
        runs.run("bad/no_such_variant", scenario)


def _course_in_git(tmp_path: Path) -> Path:
    """A copy of the course, committed in its own git repository."""
    for part in ("course.toml", "labs", "solutions", "checks", "tests/bad", "tests/good"):
        source, target = ROOT / part, tmp_path / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "course"], check=True)
    return tmp_path


def test_figures_draw_the_committed_starter_not_the_students_working_copy(tmp_path: Path) -> None:
    lab = load_course(_course_in_git(tmp_path)).labs[0]
    lab.starter.write_text("print('my work in progress')\n")
    result = LabRuns(lab).run("starter", demo_scenario(lab))
    assert "my work in progress" not in result.stdout
    assert "PRESS" in result.stdout, "the committed starter ran"


def test_a_committed_starter_that_does_not_run_stops_the_build(tmp_path: Path) -> None:
    course = _course_in_git(tmp_path)
    lab = load_course(course).labs[0]
    lab.starter.write_text("while True\n    pass\n")
    git = ["git", "-C", str(course), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "broken starter"], check=True)
    with pytest.raises(FigureError, match=r"labs/01-polling/main.py, and .*SyntaxError"):
        LabRuns(lab).run("starter", demo_scenario(lab))
