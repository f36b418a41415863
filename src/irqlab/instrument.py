"""Cost-and-line instrumentation of a student's program, done on the host before MicroPython runs.

On the same line, directly before each simple statement, `instrument` inserts

    _irq_c[0]+=K;_irq_c[1]=L;<original statement>     (K+J*_irq_c[4] when it has J checks)

where `_irq_c` is a list the board provides (in the main program's globals, and in `builtins` for
its other modules). `_irq_c[0]` counts the program's work in the board's cost units (nanoseconds
at the profile's reference clock); `_irq_c[1]` is `file_id * LINE_BASE + lineno`. This
prefix, like everything inserted here, has no jump, so MicroPython gets no extra chance to run
scheduled callbacks: the program has the pending checks it had. It stores small ints into an
existing list, so it allocates nothing (it works with the heap locked); it binds no name. Every
statement stays on its line, so tracebacks name the same lines.

Cost rule: K = ops * op_units (what an op costs on the board), and each pending check the text
makes costs `_irq_c[4]` (what a check costs while the board runs no code of its own; 0 once it
counts each check as it comes), where

- ops (`ops`): the number of nodes in a statement or expression that do work, that is every
  `ast.expr` and `ast.stmt` node, walking through wrappers (`arguments`, `arg`, `keyword`,
  `comprehension`, `withitem`, `alias`: only the expressions inside them count) and ignoring
  expression contexts and operators (Load, Store, Add, And, Eq, ...). The walk does not enter
  nested statements (a compound statement's blocks) nor a lambda's body (a lambda counts 1 plus
  its defaults). Minimum 1. Examples: `pass` = 1; `i += 1` = 3 (AugAssign, Name, Constant);
  `x = a.b(1, c)` = 7 (Assign, Name x, Call, Attribute, Name a, Constant 1, Name c).
- checks (`checks`): the VM's pending checks (the jumps of py/vm.c), counted from the text: one
  per `and`/`or` operand after the first, per conditional expression, per link of a chained
  comparison after the first, per `break`, `continue` and `assert`.

A simple statement's K is its own cost plus the headers charged to it. A compound statement's
header is charged on entering the block it guards: `if`/`elif` test ops and one check (two when an
`else` follows: the jump over it) to its body (an `elif` is its own `If`), `while` test ops and one
check to its body (per pass), `for` ops(target) + 1 and one check to its body (per step), `with`
its items' ops to its body. `try`,
`except` types, `else`, `finally`, `def`, `class` and `match` headers charge nothing. The charge
lands on the block's first simple statement; when the block starts with `try`/`with` it goes
inside (always entered); when it starts with another compound statement (`if`, a loop, `def`, ...)
it goes to the next statement of the block that is sure to run, and if there is none, into every
branch of the first one that has branches (so an `if` with no `else` and nothing after it is not
charged on its false path).

Loops: every pass of a `while` or `for` must let the board look at its clock, or a loop that calls
nothing on the board would never see the scenario end (the board runs no code of its own between
the program's statements while nothing can interrupt it). The statements a loop's header lands on
get, after their prefix, `_irq_l[_irq_c[0]>=_irq_c[2]]();` (`_irq_c[2]` is the work count at which
something is due; `_irq_l` is a pair: a builtin that does nothing, and the board's catch-up), a
look without a jump. A loop whose body has no statement sure to run on every path gets its charge
and its look in a test instead: `while _irq_k(K,(<test>)):`, or for a `for` whose body starts with
an `if`, `if _irq_k(K,(<test>)):`.

Expressions that loop or run later get their own charge, around their value: a comprehension's
element (per item: `_irq_k(K,(<elt>))`, K its element, target, conditions and one check) and a
lambda's body (per call: `_irq_k(K,(<body>))`).

Not instrumented: compound statements themselves (a prefix before `if` is a syntax error),
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
from typing import TypeVar

LINE_BASE = 1_000_000
COUNTER = "_irq_c"
METER = "_irq_k"  # _irq_k(units, value): charge `units`, look at the clock, give `value` back
LOOKS = "_irq_l"  # (nothing to do, catch up): indexed by whether the deadline has passed
DEADLINE = 2  # _irq_c[DEADLINE]: the work count at which the board must look again
LOOK = f"{LOOKS}[{COUNTER}[0]>={COUNTER}[{DEADLINE}]]();"


CHECK_WEIGHT = 4  # _irq_c[4]: what a pending check counted here costs (0 while the board ticks)


_TRY_STAR: tuple[type[ast.stmt], ...] = (ast.TryStar,) if hasattr(ast, "TryStar") else ()
_ALWAYS_ENTERED: tuple[type[ast.stmt], ...] = (ast.Try, ast.With, ast.AsyncWith, *_TRY_STAR)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.While, ast.For, ast.AsyncFor)
_COMPOUND: tuple[type[ast.stmt], ...] = (
    ast.If,
    ast.ClassDef,
    ast.Match,
    *_LOOPS,
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
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_MACHINE_CODE = {"viper", "asm_thumb", "asm_xtensa", "asm_rv32"}
LOOP_CHECKS = 1  # per pass: the loop's jump
# Both lexers end a line at \r\n, \r or \n (not at \f or \v, which str.splitlines also splits on).
_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def instrument(source: str, file_id: int = 0, op_units: int = 1) -> str | None:
    """`source` with a cost-and-line prefix before every simple statement, on the same lines;
    None when CPython cannot parse it (MicroPython will then report its own error)."""
    with _gc_paused():
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            # ValueError: a null byte (3.11) or text that is not UTF-8; the others: too deep.
            return None
        return _insert(source, _inserts(tree, file_id, op_units))


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
    return _count(node)[0]


def checks(node: ast.AST) -> int:
    """The pending checks one statement or expression makes, counted from its text."""
    return _count(node)[1]


_ONE_JUMP = (ast.IfExp, ast.Break, ast.Continue, ast.Assert)


def _count(node: ast.AST) -> tuple[int, int]:
    """(ops, checks) of one statement or expression, in one walk."""
    n_ops = n_checks = 0
    stack = [node]
    while stack:  # a loop, not recursion: `1+1+...` may nest deeper than Python's stack
        current = stack.pop()
        if type(current) in _LEAVES:  # most nodes are names and constants: halves the time
            n_ops += 1
            continue
        if isinstance(current, (ast.expr, ast.stmt)):
            n_ops += 1
        if isinstance(current, ast.BoolOp):
            n_checks += len(current.values) - 1
        elif isinstance(current, ast.Compare):
            n_checks += len(current.ops) - 1
        elif isinstance(current, _ONE_JUMP):
            n_checks += 1
        _push_work_children(current, stack)
    return max(n_ops, 1), n_checks


def _push_work_children(node: ast.AST, stack: list[ast.AST]) -> None:
    # A lambda's defaults run where it is defined, its body at each call (not here).
    fields = ("args",) if isinstance(node, ast.Lambda) else node._fields
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            stack += [item for item in value if isinstance(item, _WORK_OR_WRAPPER)]
        elif isinstance(value, _WORK_OR_WRAPPER):
            stack.append(value)


Cost = tuple[int, int]  # (ops, checks)
Node = TypeVar("Node", ast.stmt, ast.expr)


def _header(stmt: ast.stmt) -> Cost:
    """What entering `stmt.body` once costs on top of the body's statements."""
    if isinstance(stmt, ast.If):
        return ops(stmt.test), 1 + checks(stmt.test) + (1 if stmt.orelse else 0)
    if isinstance(stmt, ast.While):
        return ops(stmt.test), LOOP_CHECKS + checks(stmt.test)
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return ops(stmt.target) + 1, LOOP_CHECKS
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return sum(_withitem_ops(item) for item in stmt.items), 0
    return 0, 0


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
    if isinstance(stmt, (*_LOOPS, *_ALWAYS_ENTERED)):
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


def _add(costs: dict[Node, Cost], key: Node, cost: Cost) -> None:
    old = costs.get(key, (0, 0))
    costs[key] = (old[0] + cost[0], old[1] + cost[1])


class _Plan:
    """Which simple statements get a prefix, the header costs charged to each, which of them
    look at the board's clock, and which tests carry a loop's charge and look."""

    def __init__(self) -> None:
        self.simple: list[ast.stmt] = []
        self.extra: dict[ast.stmt, Cost] = {}
        self.looks: set[ast.stmt] = set()
        self.metered: dict[ast.expr, Cost] = {}  # a test or an expression: its own `_irq_k`
        self.skipped: set[ast.stmt] = set()
        self.machine_code: list[ast.stmt] = []

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
            self.machine_code.append(stmt)
            return
        has_docstring = isinstance(stmt, (*_FUNCTIONS, ast.ClassDef))
        for block in _blocks(stmt):
            self.visit_block(block, has_docstring)
        if isinstance(stmt, _LOOPS):
            self.land_loop(stmt)
        else:
            self.land(getattr(stmt, "body", []), _header(stmt))

    def land_loop(self, loop: ast.stmt) -> None:
        """A loop's header, and its look at the clock, on every pass."""
        body: list[ast.stmt] = getattr(loop, "body", [])
        targets = self.covering(body)
        for target in targets or []:
            _add(self.extra, target, _header(loop))
            self.looks.add(target)
        if targets:
            return
        if isinstance(loop, ast.While):
            _add(self.metered, loop.test, _header(loop))
        elif isinstance(body[0], ast.If):
            _add(self.metered, body[0].test, _header(loop))
        else:  # a loop straight into another loop: the inner one looks
            self.land(body, _header(loop))

    def land(self, block: list[ast.stmt], extra: Cost) -> None:
        """Charge `extra` where it is paid each time `block` is entered."""
        if extra == (0, 0):
            return
        target = self.sure_to_run(block)
        if target is not None:
            _add(self.extra, target, extra)
            return
        # Nothing in the block is sure to run: charge every branch of its first branching statement.
        branching = next((stmt for stmt in block if _branches(stmt)), None)
        for branch in _branches(branching) if branching is not None else []:
            self.land(branch, extra)

    def covering(self, block: list[ast.stmt]) -> list[ast.stmt] | None:
        """Prefixed statements one of which runs whenever `block` is entered, if there are."""
        target = self.sure_to_run(block)
        if target is not None:
            return [target]
        first = next((stmt for stmt in block if _branches(stmt)), None)
        if isinstance(first, ast.If) and first.orelse:
            body, orelse = self.covering(first.body), self.covering(first.orelse)
            if body is not None and orelse is not None:
                return body + orelse
        return None

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


# An insert: (line number, UTF-8 byte column, rank, text). At one place, closing parentheses go
# first (inner before outer), then a statement's prefix, then openings (outer before inner).
Insert = tuple[int, int, tuple[int, ...], str]


def _inserts(tree: ast.Module, file_id: int, op_units: int) -> list[Insert]:
    plan = _Plan()
    plan.visit_block(tree.body, may_have_docstring=True)
    _meter_expressions(tree, plan)
    base = file_id * LINE_BASE
    out: list[Insert] = []
    for stmt in plan.simple:
        extra = plan.extra.get(stmt, (0, 0))
        own_ops, own_checks = _count(stmt)
        work = _work((own_ops + extra[0]) * op_units, own_checks + extra[1])
        text = f"{COUNTER}[0]+={work};{COUNTER}[1]={base + stmt.lineno};"
        look = LOOK if stmt in plan.looks else ""
        out.append((stmt.lineno, stmt.col_offset, (1,), text + look))
    for node, cost in plan.metered.items():
        out += _wrap(node, cost[0] * op_units, cost[1])
    return out


def _work(units: int, checks: int) -> str:
    """A statement's work: its ops' units, and its pending checks at the board's weight."""
    weight = f"{COUNTER}[{CHECK_WEIGHT}]"
    if checks == 0:
        return str(units)
    return f"{units}+{weight}" if checks == 1 else f"{units}+{checks}*{weight}"


def _wrap(node: ast.expr, units: int, checks: int) -> list[Insert]:
    # Nested ones may start or end at one place: the outer one (the longer) opens first, the
    # inner one (the later start) closes first.
    end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
    return [
        (node.lineno, node.col_offset, (2, -end[0], -end[1]), f"{METER}({units},{checks},("),
        (*end, (0, -node.lineno, -node.col_offset), "))"),
    ]


def _meter_expressions(tree: ast.Module, plan: _Plan) -> None:
    """Comprehension elements and lambda bodies: charged each time they run."""
    skip = {id(stmt) for stmt in plan.machine_code}
    for node in _nodes(tree, skip):
        if isinstance(node, _COMPREHENSIONS):
            value = node.key if isinstance(node, ast.DictComp) else node.elt
            step = sum(ops(g.target) + 1 + sum(ops(c) for c in g.ifs) for g in node.generators)
            _add(plan.metered, value, (ops(value) + step, LOOP_CHECKS + checks(value)))
        elif isinstance(node, ast.Lambda):
            _add(plan.metered, node.body, (ops(node.body), checks(node.body)))


def _nodes(tree: ast.AST, skip: set[int]) -> Iterator[ast.AST]:
    """Every node under `tree` but those under the nodes in `skip` (by id): ast.walk, without
    its generator per node (a third of the time on a big program)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack += [v for v in value if isinstance(v, ast.AST) and id(v) not in skip]
            elif isinstance(value, ast.AST) and id(value) not in skip:
                stack.append(value)


def _insert(source: str, inserts: list[Insert]) -> str:
    """`source` with each insert at its line and byte column, lines split only once."""
    lines = _LINE_END.split(source)
    by_line: dict[int, list[tuple[int, tuple[int, ...], str]]] = {}
    for lineno, col, rank, text in inserts:
        by_line.setdefault(lineno - 1, []).append((col, rank, text))
    for index, here in by_line.items():
        lines[index] = _insert_in_line(lines[index], here)
    return "".join(lines)


def _insert_in_line(line: str, inserts: list[tuple[int, tuple[int, ...], str]]) -> str:
    raw = line.encode()  # ast columns count UTF-8 bytes
    pieces: list[bytes] = []
    start = 0
    for col, _, text in sorted(inserts):
        pieces += [raw[start:col], text.encode()]
        start = col
    pieces.append(raw[start:])
    return b"".join(pieces).decode()
