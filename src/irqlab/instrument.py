"""Cost-and-line instrumentation of a student's program, done on the host before MicroPython runs.

On the same line, directly before each simple statement, `instrument` inserts

    _irq_c[0]+=K;_irq_c[1]=L;<original statement>

where `_irq_c` is a two-int list the board puts in `builtins`. `_irq_c[0]` counts ops (the board
turns them into nanoseconds); `_irq_c[1]` is `file_id * LINE_BASE + lineno`. The prefix has no
jump, so MicroPython gets no extra chance to run scheduled callbacks; it stores small ints into an
existing list, so it allocates nothing (it works with the heap locked); it binds no name. Every
statement stays on its line, so tracebacks name the same lines.

Op count rule (`ops`): the number of nodes in a statement or expression that do work, that is
every `ast.expr` and `ast.stmt` node, walking through wrappers (`arguments`, `arg`, `keyword`,
`comprehension`, `withitem`, `alias`: only the expressions inside them count) and ignoring
expression contexts and operators (Load, Store, Add, And, Eq, ...). The walk does not enter nested
statements (a compound statement's blocks) nor a lambda's body (a lambda counts 1 plus its
defaults). Minimum 1. Examples: `pass` = 1; `i += 1` = 3 (AugAssign, Name, Constant);
`x = a.b(1, c)` = 7 (Assign, Name x, Call, Attribute, Name a, Constant 1, Name c).

A simple statement's K is its ops plus the headers charged to it. A compound statement's header is
charged on entering the block it guards: `if`/`elif` test ops to its body (an `elif` is its own
`If`), `while` test ops to its body (per pass), `for` ops(target) + 1 to its body (per step),
`with` its items' ops to its body. `try`, `except` types, `else`, `finally`, `def`, `class` and
`match` headers charge nothing. The charge lands on the block's first simple statement; when the
block starts with `try`/`with` it goes inside (always entered); when it starts with another
compound statement (`if`, a loop, `def`, ...) it goes to the next statement of the block that is
sure to run, and if there is none, into every branch of the first one that has branches (so an
`if` with no `else` and nothing after it is not charged on its false path).

Not prefixed: compound statements themselves (a prefix before `if` is a syntax error),
`from __future__` imports (must come first), docstrings (so they stay docstrings), and the bodies
of functions compiled to machine code (`@micropython.viper`, `@micropython.asm_*`), whose typed
code cannot do arithmetic on the counter's objects.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager

LINE_BASE = 1_000_000
COUNTER = "_irq_c"

_TRY_STAR: tuple[type[ast.stmt], ...] = (ast.TryStar,) if hasattr(ast, "TryStar") else ()
_ALWAYS_ENTERED: tuple[type[ast.stmt], ...] = (ast.Try, ast.With, ast.AsyncWith, *_TRY_STAR)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPOUND: tuple[type[ast.stmt], ...] = (
    ast.If,
    ast.While,
    ast.For,
    ast.AsyncFor,
    ast.ClassDef,
    ast.Match,
    *_FUNCTIONS,
    *_ALWAYS_ENTERED,
)
# Nodes that do work or wrap nodes that do: not statements (a compound statement's blocks),
# not contexts and operators (shared constant nodes that do nothing themselves).
_WORK_OR_WRAPPER = (
    ast.expr,
    ast.arguments,
    ast.arg,
    ast.keyword,
    ast.comprehension,
    ast.withitem,
    ast.excepthandler,
    ast.match_case,
    ast.pattern,
)
_LEAVES = {ast.Name, ast.Constant}  # nothing that does work inside
_MACHINE_CODE = {"viper", "asm_thumb", "asm_xtensa", "asm_rv32"}
# Both lexers end a line at \r\n, \r or \n (not at \f or \v, which str.splitlines also splits on).
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def instrument(source: str, file_id: int = 0) -> str | None:
    """`source` with a cost-and-line prefix before every simple statement, on the same lines;
    None when CPython cannot parse it (MicroPython will then report its own error)."""
    with _gc_paused():
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            # ValueError: a null byte (3.11) or text that is not UTF-8; the others: too deep.
            return None
        return _insert(source, _prefixes(tree, file_id))


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A big program's tree is a million objects, all alive: each collection meanwhile would walk
    # them again, which costs a third of the time on a 256 KiB source.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ops(node: ast.AST) -> int:
    """The op count of one statement or expression, by the rule in the module docstring."""
    count = 0
    stack = [node]
    while stack:  # a loop, not recursion: `1+1+...` may nest deeper than Python's stack
        current = stack.pop()
        if isinstance(current, (ast.expr, ast.stmt)):
            count += 1
        if type(current) not in _LEAVES:  # most nodes are names and constants: halves the time
            _push_work_children(current, stack)
    return max(count, 1)


def _push_work_children(node: ast.AST, stack: list[ast.AST]) -> None:
    # A lambda's defaults run where it is defined, its body at each call (not here).
    fields = ("args",) if isinstance(node, ast.Lambda) else node._fields
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            stack += [item for item in value if isinstance(item, _WORK_OR_WRAPPER)]
        elif isinstance(value, _WORK_OR_WRAPPER):
            stack.append(value)


def _header_ops(stmt: ast.stmt) -> int:
    """What entering `stmt.body` once costs on top of the body's statements."""
    if isinstance(stmt, (ast.If, ast.While)):
        return ops(stmt.test)
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return ops(stmt.target) + 1
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return sum(_withitem_ops(item) for item in stmt.items)
    return 0


def _withitem_ops(item: ast.withitem) -> int:
    names = ops(item.optional_vars) if item.optional_vars is not None else 0
    return ops(item.context_expr) + names


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a compound statement, in source order."""
    blocks: list[list[ast.stmt]] = [getattr(stmt, "body", [])]
    blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
    blocks += [case.body for case in getattr(stmt, "cases", [])]
    blocks += [getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])]
    return [block for block in blocks if block]


def _branches(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The blocks one of which may run when `stmt` runs (none for def and class)."""
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse] if stmt.orelse else [stmt.body]
    if isinstance(stmt, (ast.While, ast.For, ast.AsyncFor, *_ALWAYS_ENTERED)):
        return [getattr(stmt, "body", [])]
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    return []


def _is_machine_code(stmt: ast.stmt) -> bool:
    for decorator in getattr(stmt, "decorator_list", []):
        name = decorator.attr if isinstance(decorator, ast.Attribute) else None
        name = decorator.id if isinstance(decorator, ast.Name) else name
        if name in _MACHINE_CODE:
            return True
    return False


class _Plan:
    """Which simple statements get a prefix, and the header ops charged to each."""

    def __init__(self) -> None:
        self.simple: list[ast.stmt] = []
        self.extra: dict[ast.stmt, int] = {}
        self.skipped: set[ast.stmt] = set()

    def visit_block(self, block: list[ast.stmt], may_have_docstring: bool = False) -> None:
        for index, stmt in enumerate(block):
            if isinstance(stmt, _COMPOUND):
                self.visit_compound(stmt)
            elif _is_future_import(stmt) or (may_have_docstring and index == 0 and _is_doc(stmt)):
                self.skipped.add(stmt)
            else:
                self.simple.append(stmt)

    def visit_compound(self, stmt: ast.stmt) -> None:
        if _is_machine_code(stmt):
            return
        has_docstring = isinstance(stmt, (*_FUNCTIONS, ast.ClassDef))
        for block in _blocks(stmt):
            self.visit_block(block, has_docstring)
        self.land(getattr(stmt, "body", []), _header_ops(stmt))

    def land(self, block: list[ast.stmt], extra: int) -> None:
        """Charge `extra` where it is paid each time `block` is entered."""
        if extra == 0:
            return
        target = self.sure_to_run(block)
        if target is not None:
            self.extra[target] = self.extra.get(target, 0) + extra
            return
        # Nothing in the block is sure to run: charge every branch of its first branching statement.
        branching = next((stmt for stmt in block if _branches(stmt)), None)
        for branch in _branches(branching) if branching is not None else []:
            self.land(branch, extra)

    def sure_to_run(self, block: list[ast.stmt]) -> ast.stmt | None:
        """The first prefixed statement that runs whenever `block` is entered, if any."""
        for stmt in block:
            if isinstance(stmt, _ALWAYS_ENTERED):
                inside = self.sure_to_run(getattr(stmt, "body", []))
                if inside is not None:
                    return inside
            elif not isinstance(stmt, _COMPOUND) and stmt not in self.skipped:
                return stmt
        return None


def _is_doc(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_future_import(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"


def _prefixes(tree: ast.Module, file_id: int) -> list[tuple[int, int, str]]:
    """(line number, UTF-8 byte column, prefix text) for each simple statement."""
    plan = _Plan()
    plan.visit_block(tree.body, may_have_docstring=True)
    base = file_id * LINE_BASE
    return [
        (
            stmt.lineno,
            stmt.col_offset,
            f"{COUNTER}[0]+={ops(stmt) + plan.extra.get(stmt, 0)};"
            f"{COUNTER}[1]={base + stmt.lineno};",
        )
        for stmt in plan.simple
    ]


def _insert(source: str, prefixes: list[tuple[int, int, str]]) -> str:
    """`source` with each prefix inserted at its line and byte column, lines split only once."""
    lines = _LINE_END.split(source)
    by_line: dict[int, list[tuple[int, str]]] = {}
    for lineno, col, text in prefixes:
        by_line.setdefault(lineno - 1, []).append((col, text))
    for index, inserts in by_line.items():
        lines[index] = _insert_in_line(lines[index], inserts)
    return "".join(lines)


def _insert_in_line(line: str, inserts: list[tuple[int, str]]) -> str:
    raw = line.encode()  # ast columns count UTF-8 bytes
    pieces: list[bytes] = []
    start = 0
    for col, text in sorted(inserts):
        pieces += [raw[start:col], text.encode()]
        start = col
    pieces.append(raw[start:])
    return b"".join(pieces).decode()
