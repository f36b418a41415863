"""One page per student to hand back: their score, each check with its verdict, what was
expected and seen, the hint, and the timing diagram of the moment it went wrong, inline.

A single HTML file that needs nothing beside it: diagrams are embedded as images (an <img>
runs no script, whatever an SVG holds), and everything a program printed is escaped.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from irqlab.grade.batch import RUNS_CHECK

Result = dict[str, Any]
MAX_DIAGRAM = 2 << 20  # bytes of one SVG embedded
MARKS = {"pass": "✔", "fail": "✘", "skip": "–", "error": "!"}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; }
.pass { color: #1a7f37; } .fail, .error { color: #cf222e; } .skip { color: #6e7781; }
section { border-top: 1px solid #d0d7de; padding: .5rem 0; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
img { max-width: 100%; }
"""


def page(result: Result) -> str:
    """The student's feedback page."""
    e = html.escape
    title = f"{result['student']}: lab {result.get('lab') or ''}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="{e(result["status"])}"><strong>{e(result["status"])}</strong>, '
        f"score {result.get('score', 0)} / {result.get('max_score') or 0}</p>",
    ]
    said = ([result["reason"]] if result.get("reason") else []) + list(result.get("notes", []))
    if said:
        parts.append("<ul>" + "".join(f"<li>{e(str(s))}</li>" for s in said) + "</ul>")
    parts += [_check(c) for c in result.get("checks", [])]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _check(check: dict[str, Any]) -> str:
    e = html.escape
    status = str(check.get("status"))
    head = f"Task {check.get('task')}: {check.get('title') or check.get('id')}"
    out = [
        "<section>",
        f'<h2 class="{e(status)}">{MARKS.get(status, "?")} {e(head)}</h2>',
    ]
    if check.get("id") == RUNS_CHECK:
        out.append("<p>No points on its own: the checks after it need it to pass.</p>")
    if check.get("message"):
        out.append(f"<p>{e(str(check['message']))}</p>")
    for key in ("expected", "seen"):
        if check.get(key):
            out.append(f"<p>{key}: <code>{e(str(check[key]))}</code></p>")
    out.append(_diagram(check))
    if check.get("hint") and status != "pass":
        out.append(f"<p><em>Hint:</em> {e(str(check['hint']))}</p>")
    out.append("</section>")
    return "\n".join(o for o in out if o)


def _diagram(check: dict[str, Any]) -> str:
    """The SVG the worker drew, embedded; else the diagram as text; else nothing."""
    path = Path(str(check.get("diagram") or ""))
    if check.get("diagram") and path.is_file() and path.stat().st_size <= MAX_DIAGRAM:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<img alt="timing diagram" src="data:image/svg+xml;base64,{data}">'
    if check.get("waveform"):
        return f"<pre>{html.escape(str(check['waveform']))}</pre>"
    return ""
