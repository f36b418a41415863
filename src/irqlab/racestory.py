"""The story of a race, in the program's own lines: after which line the handler ran, at which
jump, and between which lines that use what the handler writes (irqlab.race tells it)."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from irqlab.trace import Trace


class Sources:
    """The program's files, read and parsed once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, tuple[list[str], ast.Module | None]] = {}

    def get(self, file: str) -> tuple[list[str], ast.Module | None]:
        if file not in self._files:
            try:
                text = (self.folder / file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            try:
                tree: ast.Module | None = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError):
                tree = None
            self._files[file] = (text.splitlines(), tree)
        return self._files[file]

    def text(self, file: str, line: int) -> str:
        """Line `line` of `file`, without its comment."""
        lines = self.get(file)[0]
        return _code(lines[line - 1]) if 0 < line <= len(lines) else ""


def _code(line: str) -> str:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError):
        return line.strip()
    comment = next((t for t in tokens if t.type == tokenize.COMMENT), None)
    return (line[: comment.start[1]] if comment else line).strip()


def handler_name(trace: Trace) -> str | None:
    sets = [e for e in trace.of("irq") if e.get("handler")]
    return str(sets[0]["handler"]) if sets else None


def ms(t_ns: int) -> str:
    """A board time for a person: milliseconds, to a tenth of a microsecond."""
    return f"{t_ns / 1e6:.4f} ms"


def story(
    at_ns: int,
    file: str | None,
    line: int | None,
    failure: str,
    sources: Sources,
    handler: str | None,
) -> str:
    """What an edge at `at_ns` did, in the program's own lines: where the handler ran (after
    `line` of `file`), the jump it ran at, and the lines around it that use what it writes."""
    if file is None or line is None:
        return f"An edge at {ms(at_ns)} was never handled. Then {failure}."
    where = f"after {_shown(sources, file, line)}"
    tree = sources.get(file)[1]
    path = _path_to(tree.body, line) if tree is not None else None
    if tree is not None and path:
        jump = _jump_after(path)
        where += _jump_words(jump, sources, file)
        window = _window(path, jump, tree, handler, sources, file)
        caller = None if window else _caller(tree, path)
        if caller is not None:  # a wait inside a function: the lines around its one call
            name, call = caller
            called = call[-1][0][call[-1][1]].lineno
            where += f", inside `{name}()`, called from {_shown(sources, file, called)}"
            window = _window(call, None, tree, handler, sources, file)
        where += window
    return f"An edge at {ms(at_ns)} ran the handler {where}. Then {failure}."


def _caller(tree: ast.Module, path: _Path) -> tuple[str, _Path] | None:
    """The function the statement at the end of `path` is in, and the place of the one
    statement that calls it by name (None: not in a function, or called from 0 or 2+)."""
    names = [
        stmt.name
        for b, i in path[:-1]
        if isinstance(stmt := b[i], (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    if not names:
        return None
    name = names[-1]
    calls = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
    ]
    path_to = _path_to(tree.body, calls[0]) if len(calls) == 1 else None
    return (name, path_to) if path_to else None


# A statement's place: the blocks from the module down, with its index in each.
_Path = list[tuple[list[ast.stmt], int]]
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_INNER_JUMPS = (ast.BoolOp, ast.IfExp, ast.comprehension, ast.Assert)


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks: list[list[ast.stmt]] = [getattr(stmt, "body", [])]
    blocks += [h.body for h in getattr(stmt, "handlers", [])]
    blocks += [c.body for c in getattr(stmt, "cases", [])]
    blocks += [getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])]
    return [b for b in blocks if b and isinstance(b, list)]


def _path_to(block: list[ast.stmt], line: int) -> _Path | None:
    """The last simple statement that starts on `line`: the one the board last saw."""
    found: _Path | None = None
    for i, stmt in enumerate(block):
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            continue
        inner = [p for b in _blocks(stmt) if (p := _path_to(b, line))]
        if inner:
            found = [(block, i), *inner[-1]]
        elif stmt.lineno == line and not _blocks(stmt):
            found = [(block, i)]
    return found


def _jump_after(path: _Path) -> tuple[str, ast.stmt] | None:
    """The jump whose pending check follows the statement at the end of `path`."""
    block, i = path[-1]
    if any(isinstance(n, _INNER_JUMPS) or _chained(n) for n in ast.walk(block[i])):
        return ("inside", block[i])
    for depth in range(len(path) - 1, -1, -1):
        block, i = path[depth]
        if i + 1 < len(block):
            nxt = block[i + 1]
            kinds = {ast.If: "test", ast.While: "test", ast.For: "loop", ast.Try: "try"}
            kind = next((k for t, k in kinds.items() if isinstance(nxt, t)), None)
            return (kind, nxt) if kind else None
        if depth == 0:
            return None
        outer = path[depth - 1][0][path[depth - 1][1]]
        if isinstance(outer, _LOOPS) and block is outer.body:
            return ("back", outer)
        if isinstance(outer, ast.If) and block is outer.body and outer.orelse:
            return ("else", outer)
        if isinstance(outer, _SCOPES):
            return None
    return None


def _chained(node: ast.AST) -> bool:
    return isinstance(node, ast.Compare) and len(node.ops) > 1


def _jump_words(jump: tuple[str, ast.stmt] | None, sources: Sources, file: str) -> str:
    if jump is None:
        return ""
    kind, stmt = jump
    if kind == "inside":
        return ", at a jump inside that line"
    shown = f"line {stmt.lineno} (`{sources.text(file, stmt.lineno)}`)"
    return {
        "test": f", at the test in {shown}",
        "loop": f", as the loop in {shown} starts",
        "try": f", at the `try` in {shown}",
        "back": f", at the loop's jump back to {shown}",
        "else": f", at the jump over the `else` of {shown}",
    }[kind]


def _window(
    path: _Path,
    jump: tuple[str, ast.stmt] | None,
    tree: ast.Module,
    handler: str | None,
    sources: Sources,
    file: str,
) -> str:
    """ ", between line R (...) and line U (...), which both use `x`; ...": the nearest lines
    around the handler's run that use what the handler changes, in the loop around it."""
    shared = _handler_writes(tree, handler)
    block, i = path[-1]
    line = block[i].lineno
    units = [(n, u & shared) for n, u in _units(_region(tree, path)) if u & shared]
    before = [(n, u) for n, u in units if n <= line]
    tested = jump[1] if jump and jump[0] in ("test", "back") else None
    if isinstance(tested, (ast.If, ast.While)) and _uses(tested.test) & shared:
        before.append((tested.lineno, _uses(tested.test) & shared))  # evaluated last
    after_from = jump[1].lineno if jump and jump[0] == "test" else line
    pair = _pair(before, [(n, u) for n, u in units if n > after_from])
    if pair is None:
        return ""
    (r, used_before), (u, used_after) = pair
    names = sorted(used_before | used_after)
    shown = " and ".join(f"`{n.lstrip('.')}`" for n in names)
    first = f"line {r}" if r == line else _shown(sources, file, r)
    what = f"which both use {shown}" if len(names) == 1 else f"which use {shown}"
    it = "it" if len(names) == 1 else "them"
    return (
        f", between {first} and {_shown(sources, file, u)}, {what}; "
        f"the handler changed {it} in between"
    )


_Use = tuple[int, set[str]]


def _pair(before: list[_Use], after: list[_Use]) -> tuple[_Use, _Use] | None:
    """The first later use of something used before (the same variable twice, the handler
    between); else the last use before and the first after (two halves of one reading)."""
    for n, used in after:
        for m, earlier in reversed(before):
            if used & earlier:
                return (m, used & earlier), (n, used & earlier)
    return (before[-1], after[0]) if before and after else None


def _shown(sources: Sources, file: str, line: int) -> str:
    return f"line {line} (`{sources.text(file, line)}`)"


def _region(tree: ast.Module, path: _Path) -> list[ast.stmt]:
    """Where the uses are looked for: the outermost loop around the statement in its
    function (or in the module), else that whole function."""
    region: list[ast.stmt] = tree.body
    in_loop = False
    for block, i in path[:-1]:
        stmt = block[i]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            region, in_loop = stmt.body, False
        elif isinstance(stmt, _LOOPS) and not in_loop:
            region, in_loop = [stmt], True
    return region


def _units(body: list[ast.stmt]) -> list[_Use]:
    """(line, names used) for each simple statement and each compound statement's header,
    in source order, not entering functions or classes defined there."""
    out: list[_Use] = []
    for stmt in body:
        if isinstance(stmt, _SCOPES):
            continue
        if not _blocks(stmt):
            out.append((stmt.lineno, _uses(stmt)))
            continue
        header = [getattr(stmt, k, None) for k in ("test", "iter", "target", "subject")]
        header += [item.context_expr for item in getattr(stmt, "items", [])]
        out.append((stmt.lineno, set().union(*(_uses(h) for h in header if h is not None))))
        for block in _blocks(stmt):
            out += _units(block)
    return sorted(out, key=lambda u: u[0])


def _uses(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Attribute):
            names.add("." + n.attr)
    return names


def _handler_writes(tree: ast.Module, name: str | None) -> set[str]:
    """What the handler `name` changes outside itself: its globals, the items of objects it
    does not create, the attributes it sets (as `.attr`)."""
    func = next(
        (
            n
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
        ),
        None,
    )
    if func is None:
        return set()
    declared = {g for n in ast.walk(func) if isinstance(n, ast.Global) for g in n.names}
    out: set[str] = set()
    for n in ast.walk(func):
        targets = n.targets if isinstance(n, ast.Assign) else []
        if isinstance(n, (ast.AugAssign, ast.AnnAssign)):
            targets = [n.target]
        for t in targets:
            out |= _written(t, declared)
    return out


def _written(target: ast.expr, declared: set[str]) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id} if target.id in declared else set()
    if isinstance(target, ast.Attribute):
        return {"." + target.attr}
    if isinstance(target, ast.Subscript):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        return {base.id} if isinstance(base, ast.Name) else set()
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_written(e, declared) for e in target.elts))
    return set()
