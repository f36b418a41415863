"""The course site: `mkdocs build --strict` passes, the built pages say what they must, and a
real browser (Debian's Chromium, headless) can use them with no network and no errors."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import need

from irqlab import cli
from irqlab.course import load_course
from irqlab.site.reference import subcommands

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("IRQLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean"]
    command += ["-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    log = "\n".join(ln for ln in done.stderr.splitlines() if "WARNING" in ln or "ERROR" in ln)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{log or done.stderr[-3000:]}"
    return out


def labs_in_nav(page: str) -> list[str]:
    """The lab slugs the page's navigation links to, in order, once each."""
    found: list[str] = []
    for slug in re.findall(r'<a href="(?:\.\./)*labs/([\w-]+)\.html" class="md-nav__link', page):
        if slug != "index" and slug not in found:
            found.append(slug)
    return found


def test_the_navigation_lists_the_labs_in_course_order(site: Path) -> None:
    slugs = [lab.slug for lab in load_course(ROOT).labs]
    assert slugs, "course.toml lists no labs"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert labs_in_nav(home) == slugs
    for slug in slugs:
        assert (site / "labs" / f"{slug}.html").is_file()


def test_the_command_reference_covers_every_command(site: Path) -> None:
    page = (site / "reference.html").read_text(encoding="utf-8")
    commands = subcommands(cli.build_parser())
    assert set(commands) == set(cli.commands()) and commands
    for name, parser in commands.items():
        assert f'id="irqlab-{name}"' in page, f"irqlab {name} has no section"
        for option in parser._option_string_actions:
            if option not in ("-h", "--help"):
                assert f"<code>{option}" in page, f"irqlab {name} {option} is missing"


def test_the_built_site_loads_nothing_from_the_network(site: Path) -> None:
    external = re.compile(
        r"""<(?:script|link|img|iframe|source|audio|video)\b[^>]*?\b(?:src|href)=["']?(?:https?:)?//"""
        r"""|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
        re.I,
    )
    offenders = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(site)}: {m[0]}" for m in external.finditer(text)]
    assert not offenders, "external assets:\n" + "\n".join(offenders[:20])


def test_every_placeholder_was_filled_with_a_measured_figure(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert pages
    for path in pages:
        # outside <code>: the instructor guide shows how a placeholder is written
        text = re.sub(r"<code>.*?</code>", "", path.read_text(encoding="utf-8"), flags=re.S)
        assert "{{" not in text, f"{path.name} has an unfilled placeholder"
    concepts = (site / "concepts.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="irqlab-figure" id="figure-([\w-]+)">\s*<svg', concepts)
    assert {"polling-latency", "polling-misses", "flag-timing", "queue-drops"} <= set(figures)


def test_the_notebooks_are_rendered_with_their_plots_in_course_order(site: Path) -> None:
    slugs = [lab.slug for lab in load_course(ROOT).labs]
    for slug in slugs:
        page = (site / "notebooks" / f"{slug}.html").read_text(encoding="utf-8")
        assert "<svg" in page, f"notebook {slug} shows no plot"
        assert "Traceback" not in page
    home = (site / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'<a href="(?:\.\./)*notebooks/([\w-]+)\.html" class="md-nav__link', home)
    assert [s for s in dict.fromkeys(linked) if s != "index"] == slugs


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    need("Chromium", None if CHROMIUM.exists() else f"nothing at {CHROMIUM}")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield context
        finally:
            context.close()


def test_a_reader_can_browse_search_and_see_code_and_diagrams(served: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))

    page.goto(f"{served}/index.html")
    first = load_course(ROOT).labs[0]
    page.locator(".md-nav--primary").get_by_role(
        "link", name=re.compile(re.escape(first.title))
    ).first.click()
    page.wait_for_url(f"**/labs/{first.slug}.html")
    assert page.locator("article h1").first.is_visible()

    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("scheduler")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15_000)
    assert results.count() > 0

    page.goto(f"{served}/concepts.html")
    code = page.locator("pre code").first
    assert code.is_visible() and "Pin" in code.inner_text()
    copy = page.locator("button.md-clipboard, .md-code__nav button.md-code__button")
    copy.first.wait_for(state="attached", timeout=10_000)  # the copy button
    assert page.locator(".md-annotation").count() > 0, "code annotations are not mounted"
    svg = page.locator("figure.irqlab-figure svg").first
    svg.wait_for(state="visible")
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80, f"diagram drawn at {box}"
    assert page.locator("figure.irqlab-figure svg text").count() > 5, "diagram has no labels"
    page.locator(".tabbed-labels label").nth(1).click()
    assert page.locator(".tabbed-block").nth(1).is_visible(), "content tabs do not switch"

    page.goto(f"{served}/notebooks/{first.slug}.html")
    assert page.locator("svg").count() > 0
    assert not problems, "\n".join(problems)


PHONE = {"width": 390, "height": 844}
# Where a code block's `# BUG` comment sits, and the box of the block that shows it.
BUG_BOXES = """() => [...document.querySelectorAll('article pre code')].flatMap(code => {
  const boxes = [];
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf('# BUG');
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, Math.min(node.data.length, at + 5));
    const seen = code.closest('pre').getBoundingClientRect();
    const bug = range.getBoundingClientRect();
    boxes.push({line: node.data.trim().slice(0, 60), right: bug.right, edge: seen.right});
  }
  return boxes;
})"""
# The smallest lane label of each timing diagram, as drawn on the screen.
LABEL_PX = """() => [...document.querySelectorAll('figure.irqlab-figure svg')].map(svg => {
  const sizes = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)
    .filter(h => h > 0);
  return sizes.length ? Math.min(...sizes) : 0;
})"""


FIGURE_WIDTHS = """() => [...document.querySelectorAll('figure.irqlab-figure svg')]
  .map(svg => Math.round(svg.getBoundingClientRect().width))"""


def test_every_diagram_on_a_lab_page_is_drawn_at_one_width(served: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    for lab in load_course(ROOT).labs:
        page.goto(f"{served}/labs/{lab.slug}.html")
        widths = page.evaluate(FIGURE_WIDTHS)
        assert len(set(widths)) == 1 and widths[0] > 500, f"lab {lab.number}: widths {widths}"
        for smallest in page.evaluate(LABEL_PX):
            assert smallest >= 9, f"lab {lab.number}: a diagram's labels are {smallest:.1f} px tall"


def test_every_lab_page_reads_on_a_phone(served: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    for lab in load_course(ROOT).labs:
        page.goto(f"{served}/labs/{lab.slug}.html")
        assert page.locator("article h1").first.is_visible()
        figures = page.locator("figure.irqlab-figure svg")
        assert figures.count() > 0, f"lab {lab.number}'s page shows no timing diagram"
        for box in page.evaluate(BUG_BOXES):
            assert box["right"] <= box["edge"] + 1, (
                f"lab {lab.number}: a code block hides its # BUG comment off-screen on a "
                f"390 px phone ({box['line']!r})"
            )
        for smallest in page.evaluate(LABEL_PX):
            assert smallest >= 9, f"lab {lab.number}: a diagram's labels are {smallest:.1f} px tall"
    assert not problems, "\n".join(problems)
