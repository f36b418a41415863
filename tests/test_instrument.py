"""The cost-and-line prefix: same lines, same meaning on MicroPython, the documented op counts."""

from __future__ import annotations

import ast
import dis
import gc
import io
import re
import subprocess
import sys
import tokenize
import types
from pathlib import Path

import pytest

from irqlab.instrument import COUNTER, LINE_BASE, LOOKS, METER, checks, instrument, ops

MICROPYTHON = Path(sys.executable).with_name("micropython")
needs_micropython = pytest.mark.skipif(
    not MICROPYTHON.exists(), reason="the MicroPython unix port is not installed"
)
# A statement's prefix: its ops, its pending checks at the board's weight, its line, and at a
# loop's head the look at the board's clock. Groups: ops, checks (when more than one), line.
PREFIX = re.compile(
    r"_irq_c\[0\]\+=(\d+)(?:\+(?:(\d+)\*)?_irq_c\[4\])?;_irq_c\[1\]=(\d+);"
    r"(?:_irq_l\[_irq_c\[0\]>=_irq_c\[2\]\]\(\);)?"
)
LOOK = "_irq_l[_irq_c[0]>=_irq_c[2]]();"

# Each program prints what it did; all run unchanged on the MicroPython unix port.
CORPUS = {
    "loops": """\
total = 0
for i in range(5):
    total += i
    if i == 3:
        continue
    elif i == 4: break
else:
    print("no break")
n = 0
while n < 10:
    n += 3
else:
    print("while else", n)
for a, b in [(1, 2), (3, 4)]: print(a + b)
while n > 100: pass
i = 0
while True:
    i += 1
    if i > 3:
        break
print(total, n, i)
""",
    "functions": """\
def add(a, b=2, *args, c=3, **kw):
    \"\"\"A docstring stays a docstring.\"\"\"
    return a + b + c + len(args) + len(kw)
def counter():
    count = 0
    def bump(step=1):
        nonlocal count
        count += step
        return count
    return bump
bump = counter()
bump(); bump(5)
G = 0
def setg(v):
    global G
    G = v
setg(7)
square = lambda x, k=1: x * x * k
def outer():
    def middle():
        def inner():
            return "deep"
        return inner()
    return middle()
def deco(f):
    def wrap(*a):
        return f(*a) + 1
    return wrap
@deco
def one(): return 1
print(add(1), add(1, 2, 3, c=4, d=5), bump(), G, square(9), outer(), one())
""",
    "classes": """\
class Base:
    kind = "base"
    def __init__(self, v):
        self.v = v
    def show(self):
        return "%s:%d" % (self.kind, self.v)
class Child(Base):
    kind = "child"
    def show(self):
        return super().show() + "!"
    @staticmethod
    def make(): return Child(2)
    @property
    def double(self): return self.v * 2
class Empty: pass
c = Child.make()
print(Base(1).show(), c.show(), c.double, Empty.__name__)
""",
    "generators_async": """\
def gen(n):
    for i in range(n):
        yield i * i
def delegate():
    yield from gen(3)
    x = yield "mid"
    print("got", x)
g = delegate()
print(next(g), next(g), next(g), next(g))
try:
    g.send(42)
except StopIteration:
    print("done")
async def inner(v):
    return v + 1
async def outer():
    a = await inner(1)
    b = await inner(a)
    return a + b
co = outer()
try:
    co.send(None)
except StopIteration as e:
    print("async result", e.value)
print(sum(x for x in gen(4)))
""",
    "exceptions": """\
def risky(n):
    try:
        if n == 0:
            raise ValueError("zero")
        r = 10 // n
    except ValueError as e:
        print("caught", e)
        r = -1
    except (TypeError, ZeroDivisionError):
        r = -2
    else:
        print("no error")
    finally:
        print("finally", n)
    print("risky", n, "->", r)  # not a bare return: see test_cpython_code_has_no_more_jumps
    return r
print(risky(0), risky(2), risky("x"))
class Ctx:
    def __enter__(self):
        print("enter"); return self
    def __exit__(self, *exc):
        print("exit", exc[0] is None); return True
with Ctx() as c, Ctx():
    print("body")
    raise KeyError
print("after with")
def loop_finally():
    for i in range(3):
        try:
            if i == 1: continue
            if i == 2: return i
        finally:
            print("f", i)
print(loop_finally())
try: z = 1
except Exception: z = 2
finally: print("z", z)
""",
    "comprehensions": """\
data = [3, 1, 2]
sq = [x * x for x in data if x > 1]
pairs = {k: v for k, v in zip("abc", data)}
uniq = {x % 2 for x in data}
nested = [[i * j for j in range(3)] for i in range(2)]
key = sorted(data, key=lambda v: -v)
print(sq, sorted(pairs.items()), sorted(uniq), nested, key)
""",
    "layout": """\
a = 1; b = 2; c = a + b
if a: print("one-line if"); d = 4
while a < 3: a += 1
for k in range(2): print("k", k)
s = "héllo wörld ✓"; t = len(s); print(t)  # ünïcode comment → after
e = ("→", "ü"); f = len(e)
total = (a +
         b +
         c)
value = a + \\
    b
long = [
    1, 2,
    3,
]
doc = \"\"\"
def fake():
    x = 1; y = 2
if True: pass
\"\"\"
raw = '''line one
    line two; not code
'''
print(total, value, long, doc.count("\\n"), raw.count(";"), d, f)
""",
    "tabs": "def tabbed(a):\n\tif a:\n\t\tx = 'tab\\there'\n\t\treturn x\n\treturn 0\n"
    "print(tabbed(1), tabbed(0))\n",
    "isr_safety": """\
import micropython
ran = []
def cb(arg):
    ran.append(arg)
micropython.schedule(cb, 1)
a = len(ran); b = len(ran)
c = len(ran)
for _ in range(1):
    pass
print("pending", a, b, c, len(ran))
n = m = 0  # bound first: a new global could grow the globals dict
micropython.heap_lock()
n += 1; n += 2
m = n * 2
micropython.heap_unlock()
print("heap", n, m)
""",
    "machine_code": """\
import micropython
@micropython.viper
def v(a: int) -> int:
    b = a + 1
    return b * 2
@micropython.native
def n(a):
    return a + 1
print(v(3), n(3))
""",
}


def _instrumented(source: str, file_id: int = 0) -> str:
    out = instrument(source, file_id)
    assert out is not None
    return out


# What the board provides, as plainly as it can be: the counter (pending checks weigh nothing,
# the deadline never comes), the look (two builtins that do nothing) and the meter.
BOARD = f"""\
builtins.{COUNTER} = [0, 0, 1 << 60, 1 << 60, 0]
builtins.{LOOKS} = (int, int)
def {METER}(units, checks, value=None):
    {COUNTER}[0] += units
    return value
builtins.{METER} = {METER}
"""


def _run(folder: Path, program: str, after: str = "") -> subprocess.CompletedProcess[str]:
    """Run `program` as prog.py under a driver that provides the counter, as the board does."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prog.py").write_text(program, encoding="utf-8")
    driver = f"import builtins\n{BOARD}import prog\n{after}\n"
    (folder / "driver.py").write_text(driver, encoding="utf-8")
    return subprocess.run(
        [str(MICROPYTHON), "driver.py"], cwd=folder, capture_output=True, text=True, timeout=60
    )


def _both(tmp_path: Path, program: str, after: str = "") -> tuple[str, str]:
    # One folder for both, so that tracebacks name the same file.
    original = _run(tmp_path, program, after)
    changed = _run(tmp_path, _instrumented(program), after)
    assert (changed.returncode, changed.stderr) == (original.returncode, original.stderr)
    return original.stdout, changed.stdout


def _charges_of(out: str) -> dict[int, list[int]]:
    """Line number -> the K of each prefix on that line, left to right."""
    return {
        lineno: [int(k) for k, _, _ in PREFIX.findall(line)]
        for lineno, line in enumerate(out.splitlines(), 1)
        if PREFIX.search(line)
    }


def _charges(source: str) -> dict[int, list[int]]:
    return _charges_of(_instrumented(source))


def _stripped(out: str) -> str:
    """`out` without what instrument() inserts: prefixes, and `_irq_k(K,J,(` ... `))` around
    metered expressions (found by tokens, so that parentheses in strings do not count)."""
    text = PREFIX.sub("", out)
    lines = io.StringIO(text, newline="").readlines()  # the lines tokenize sees
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    tokens = list(tokenize.generate_tokens(iter(lines).__next__))
    cut: list[tuple[int, int]] = []  # character spans to remove

    def at(pos: tuple[int, int]) -> int:
        return starts[pos[0] - 1] + pos[1]

    for i, tok in enumerate(tokens):
        if tok.string != METER:
            continue
        opening = tokens[i + 6]  # _irq_k ( K , J , (
        assert [tokens[i + k].string for k in (1, 3, 5, 6)] == ["(", ",", ",", "("]
        depth, j = 0, i + 6
        while True:
            depth += {"(": 1, ")": -1}.get(tokens[j].string, 0)
            if depth == 0:
                break
            j += 1
        assert tokens[j + 1].string == ")"
        cut += [(at(tok.start), at(opening.end)), (at(tokens[j].start), at(tokens[j + 1].end))]
    for start, end in sorted(cut, reverse=True):
        text = text[:start] + text[end:]
    return text


# --- Same lines, same meaning ---


@needs_micropython
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_prints_the_same_on_micropython(tmp_path: Path, name: str) -> None:
    original = _run(tmp_path, CORPUS[name])
    changed = _run(tmp_path, _instrumented(CORPUS[name]))
    assert original.returncode == 0 and original.stdout, original.stdout + original.stderr
    assert (changed.returncode, changed.stdout, changed.stderr) == (0, original.stdout, "")


@needs_micropython
def test_prefix_lets_no_scheduled_callback_in_and_allocates_nothing(tmp_path: Path) -> None:
    # Callbacks run only at jumps (py/vm.c, DISPATCH_WITH_PEND_EXC_CHECK): none before the
    # loop, one at it. The heap is locked around prefixed statements: an allocation would raise.
    _, changed = _both(tmp_path, CORPUS["isr_safety"])
    assert changed == "pending 0 0 0 1\nheap 3 6\n"


Op = tuple[str, str, int]  # MicroPython opcode, its argument, its source line


def _mp_code(folder: Path, program: str) -> list[list[Op]]:
    """Per code block MicroPython compiles: its opcodes, each with the line a traceback names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prog.py").write_text(program, encoding="utf-8")
    dump = subprocess.run(
        [str(MICROPYTHON), "-X", "compile-only", "-v", "-v", "prog.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    blocks: list[list[Op]] = []
    line_at: list[tuple[int, int]] = []  # (bytecode offset, line) from the line table
    for text in dump.splitlines():
        if text.startswith("File prog.py, code block"):
            blocks.append([])
            line_at = []
        elif match := re.match(r"\s+bc=(\d+) line=(\d+)$", text):
            line_at.append((int(match[1]), int(match[2])))
        elif match := re.match(r"(\d+) ([A-Z][A-Z0-9_]*) ?(.*)$", text):
            # The last entry at or before the offset wins, as in py/bc.h's source-line lookup.
            line = [line for offset, line in line_at if offset <= int(match[1])][-1]
            blocks[-1].append((match[2], match[3], line))
    return blocks


# What the inserted code compiles to (py/compile.c): loads of the board's names and small ints,
# subscripts, arithmetic, the look's and the meter's calls. No jump, no name bound.
INSERTED_OPS = {
    "LOAD_CONST_SMALL_INT", "DUP_TOP_TWO", "ROT_THREE", "LOAD_SUBSCR", "STORE_SUBSCR",
    "BINARY_OP", "CALL_FUNCTION", "POP_TOP",
}  # fmt: skip
JUMPS = ("JUMP", "FOR_ITER", "UNWIND")


def _is_inserted(op: Op) -> bool:
    name, arg, _ = op
    if name.startswith("LOAD_") and arg in (COUNTER, LOOKS, METER):
        return True
    return name in INSERTED_OPS


def _embeds(original: list[Op], changed: list[Op]) -> bool:
    """Whether `changed` is `original` (opcodes, lines, in order) with inserted opcodes in
    between. Inserted ones look like the program's own, so by dynamic programming: rest[j]
    says whether the originals from i on fit in changed[j:]."""
    m = len(changed)
    rest = [True] * (m + 1)  # i = len(original): what is left must all be inserted
    for j in range(m - 1, -1, -1):
        rest[j] = rest[j + 1] and _is_inserted(changed[j])
    for want in reversed(original):
        here = [False] * (m + 1)
        for j in range(m - 1, -1, -1):
            same = (changed[j][0], changed[j][2]) == (want[0], want[2])
            here[j] = (same and rest[j + 1]) or (_is_inserted(changed[j]) and here[j + 1])
        rest = here
    return rest[0]


@needs_micropython
@pytest.mark.parametrize("name", [name for name in CORPUS if name != "machine_code"])
def test_micropython_bytecode_gains_no_jump_and_keeps_its_lines(tmp_path: Path, name: str) -> None:
    # What MicroPython itself compiles: every opcode of the program is there on its line, in
    # order, and what comes between is loads, small-int constants, subscripts, arithmetic and
    # calls (no jump: no pending check the program does not have; no name bound).
    # (Not machine_code: native code has no bytecode to read.)
    program = CORPUS[name]
    original = _mp_code(tmp_path / "original", program)
    changed = _mp_code(tmp_path / "instrumented", _instrumented(program))
    assert len(changed) == len(original) > 0
    for code, new_code in zip(original, changed, strict=True):
        jumps = [op[:2] for op in code if op[0].startswith(JUMPS)]
        new_jumps = [op[:2] for op in new_code if op[0].startswith(JUMPS)]
        assert len(new_jumps) == len(jumps) and _embeds(code, new_code)


def _jumps(code: types.CodeType) -> int:
    here = sum("JUMP" in op.opname or "FOR_ITER" in op.opname for op in dis.get_instructions(code))
    inner = [const for const in code.co_consts if isinstance(const, types.CodeType)]
    return here + sum(_jumps(const) for const in inner)


@pytest.mark.parametrize("name", CORPUS)
def test_cpython_code_has_no_more_jumps(name: str) -> None:
    # A proxy for "no new pending checks". CPython may copy a small exit block (up to 4
    # instructions, like a bare `return r` after a finally) to save a jump, which the longer
    # prefixed block defeats: the corpus avoids that pattern. MicroPython copies no blocks.
    program = CORPUS[name]
    original = compile(program, "prog.py", "exec", dont_inherit=True)
    changed = compile(_instrumented(program), "prog.py", "exec", dont_inherit=True)
    assert _jumps(changed) <= _jumps(original)


def _is_prefix(stmt: ast.stmt) -> bool:
    """A store into the counter, or the look at a loop's head (`_irq_l[...]()`)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        look = stmt.value.func
        return (
            isinstance(look, ast.Subscript)
            and isinstance(look.value, ast.Name)
            and look.value.id == LOOKS
        )
    target: ast.expr | None = stmt.target if isinstance(stmt, ast.AugAssign) else None
    if isinstance(stmt, ast.Assign):
        target = stmt.targets[0]
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == COUNTER
    )


def _statements(tree: ast.AST) -> list[ast.stmt]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]


@pytest.mark.parametrize("name", CORPUS)
def test_only_prefixes_are_added_and_every_statement_keeps_its_line(name: str) -> None:
    program = CORPUS[name]
    out = _instrumented(program)
    assert _stripped(out) == program
    assert len(out.splitlines()) == len(program.splitlines())
    kept = [(type(s).__name__, s.lineno) for s in _statements(ast.parse(out)) if not _is_prefix(s)]
    assert kept == [(type(s).__name__, s.lineno) for s in _statements(ast.parse(program))]


@pytest.mark.parametrize("name", CORPUS)
def test_prefix_is_small_int_stores_into_the_counter_and_a_look(name: str) -> None:
    allowed: tuple[type[ast.AST], ...] = (ast.AugAssign, ast.Assign, ast.Subscript, ast.Name)
    allowed += (ast.Constant, ast.Add, ast.Load, ast.Store, ast.BinOp, ast.Mult)
    allowed += (ast.Expr, ast.Call, ast.Compare, ast.GtE)  # the look: _irq_l[c[0]>=c[2]]()
    tree = ast.parse(_instrumented(CORPUS[name]))
    for stmt in _statements(tree):
        if _is_prefix(stmt):
            nodes = list(ast.walk(stmt))
            assert all(isinstance(node, allowed) for node in nodes)
            names = {node.id for node in nodes if isinstance(node, ast.Name)}
            constants = [node.value for node in nodes if isinstance(node, ast.Constant)]
            assert names in ({COUNTER}, {COUNTER, LOOKS})
            assert all(type(value) is int and 0 <= value < 2**30 for value in constants)


@needs_micropython
def test_tracebacks_name_the_same_lines(tmp_path: Path) -> None:
    program = """\
import sys
def inner(x):
    y = x + 1
    return y // 0
def outer():
    return inner(1)
try:
    outer()
except ZeroDivisionError as e:
    sys.print_exception(e, sys.stdout)
value = [1,
         2][5]
"""
    original, changed = _both(tmp_path, program)
    assert changed == original
    # The unix port prints an uncaught exception on stdout; MicroPython names the line where
    # the failing part of a multi-line statement is (12, not 11).
    for where in ["line 4, in inner", "line 6, in outer", "line 8, in <module>", "line 12, in"]:
        assert f'prog.py", {where}' in changed
    assert changed.endswith("IndexError: list index out of range\n")


# --- What is not prefixed ---


def test_future_import_stays_first_and_docstrings_stay_docstrings() -> None:
    program = '"""Module doc."""\nfrom __future__ import annotations\ndef f():\n    "F doc."\n'
    program += "    return 1\nclass C:\n    'C doc.'\n    x = 1\n"
    out = _instrumented(program)
    assert out.splitlines()[:2] == program.splitlines()[:2]
    counter = [0, 0, 1 << 60, 1 << 60, 0]
    namespace: dict[str, object] = {COUNTER: counter, LOOKS: (int, int)}
    exec(compile(out, "prog.py", "exec", dont_inherit=True), namespace)  # no SyntaxError
    assert namespace["__doc__"] == "Module doc."
    assert getattr(namespace["f"], "__doc__", None) == "F doc."
    assert getattr(namespace["C"], "__doc__", None) == "C doc."
    assert counter[:2] == [3, 8]  # only `x = 1` ran: def and class headers cost nothing


def test_compound_statements_are_not_prefixed_but_their_bodies_are() -> None:
    program = """\
if a:
    b()
while c: d()
for e in f: pass
with g: pass
try: pass
except E: pass
def h(): pass
class I: pass
async def j():
    async for k in l:
        async with m: pass
"""
    out = _instrumented(program)
    headers = ("if", "while", "for", "with", "try", "except", "def", "class", "async")
    for line in out.splitlines():
        if PREFIX.sub("", line).lstrip().startswith(headers):
            assert not line.lstrip().startswith(COUNTER), line
    assert len(PREFIX.findall(out)) == 9  # b(), d() and seven pass
    compile(out, "prog.py", "exec", dont_inherit=True)


def test_machine_code_functions_are_left_alone() -> None:
    # The viper body (lines 4 and 5) stays as it is; the native one (line 8) is bytecode-like.
    assert _charges(CORPUS["machine_code"]) == {1: [1], 8: [4], 9: [9]}


def test_match_case_bodies_are_prefixed() -> None:
    program = "match x:\n    case 1:\n        y = 1\n    case _:\n        pass\n"
    assert _charges(program) == {3: [3], 5: [1]}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11+")
def test_try_star_bodies_are_prefixed() -> None:
    assert _charges("try:\n    a()\nexcept* E:\n    pass\n") == {2: [3], 4: [1]}


# --- Op counts ---


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("pass", 1),
        ("global x", 1),
        ("import a, b", 1),  # one statement node; aliases are wrappers
        ("i += 1", 3),  # AugAssign, Name, Constant
        ("x = a.b(1, c)", 7),  # Assign, Name x, Call, Attribute, Name a, Constant, Name c
        ("f(a, b=c)", 5),  # Expr, Call, Name f, Name a, Name c (the keyword wraps c)
        ("ok = a < b and not c", 8),  # Assign, Name, BoolOp, Compare, Name, Name, UnaryOp, Name
        ("g = lambda x, k=2: x * k * 9", 4),  # Assign, Name, Lambda, default 2; body not
        ("return [x for x in y if x]", 6),  # Return, ListComp, Name x three times, Name y
        ("s = f'{v}!'", 6),  # Assign, Name, JoinedStr, FormattedValue, Name v, Constant
        ("t: int = 5", 4),  # AnnAssign, Name t, Name int, Constant
        ("a[1:2] = ()", 7),  # Assign, Subscript, Name, Slice, Constant, Constant, Tuple
    ],
)
def test_ops_of_a_statement(statement: str, expected: int) -> None:
    function = ast.parse(f"def f():\n    {statement}\n").body[0]
    assert isinstance(function, ast.FunctionDef)
    assert ops(function.body[0]) == expected


def test_ops_of_expressions_and_nested_definitions() -> None:
    assert ops(ast.parse("a + b", mode="eval").body) == 3
    assert ops(ast.Load()) == 1  # the minimum
    nested = ast.parse("def f(a=1):\n    x = 1\n    y = 2\n").body[0]
    assert ops(nested) == 2  # the def and its default: the body is not entered


def test_a_deep_expression_is_counted_without_recursion() -> None:
    terms = 2500  # deeper than the default recursion limit, still parsed by Python 3.11+
    program = "x = " + "+".join(["1"] * terms) + "\n"
    assert _charges(program) == {1: [2 * terms + 1]}  # Assign, Name, BinOps, Constants


# --- Header charges ---


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        # while: its test, per pass, on the first statement of its body
        ("i = 0\nwhile i < 20000:\n    i += 1\n", {1: [3], 3: [3 + 3]}),
        # if/elif/else: each test goes to its own body; else pays nothing extra
        (
            "if a:\n    b = 1\nelif c > 2:\n    d = 1\nelse:\n    e = 1\n",
            {2: [3 + 1], 4: [3 + 3], 6: [3]},
        ),
        # for: ops(target) + 1 per step
        ("for i in range(3):\n    x = i\n", {2: [3 + 2]}),
        ("for i, j in p: x = i\n", {1: [3 + 4]}),
        # with: its items, on entering its body
        ("with open(p) as f, q:\n    pass\n", {2: [1 + 5]}),
        # try, except types, else, finally, def, class: nothing
        (
            "try:\n    pass\nexcept (A, B):\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
            {2: [1], 4: [1], 6: [1], 8: [1]},
        ),
        ("def f(a, b=1):\n    return a\nclass C(B):\n    x = 1\n", {2: [2], 4: [3]}),
        # one-line bodies and semicolons: the header goes to the first statement only
        ("while x: a = 1; b = 2\n", {1: [3 + 1, 3]}),
    ],
)
def test_header_charges(program: str, expected: dict[int, list[int]]) -> None:
    assert _charges(program) == expected


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        # a block that starts with an if: the next statement sure to run pays, per pass
        ("while True:\n    if x:\n        break\n    y = 1\n", {3: [1 + 1], 4: [3 + 1]}),
        # nothing sure to run after it: every branch pays
        (
            "for i in r:\n    if i:\n        a()\n    else:\n        b()\n",
            {3: [3 + 1 + 2], 5: [3 + 2]},
        ),
        # try and with bodies are always entered: their first statement pays
        ("for i in r:\n    try:\n        a()\n    except E:\n        pass\n", {3: [3 + 2], 5: [1]}),
        ("with c() as d:\n    with e:\n        pass\n", {3: [1 + 3 + 1]}),
        # a def first in a loop body runs through: the statement after it pays
        ("while a:\n    def f(): pass\n    g = 1\n", {2: [1], 3: [3 + 1]}),
    ],
)
def test_header_charges_when_a_block_starts_with_a_compound_statement(
    program: str, expected: dict[int, list[int]]
) -> None:
    assert _charges(program) == expected


@needs_micropython
def test_counter_after_a_loop_on_micropython(tmp_path: Path) -> None:
    program = "i = 0\nwhile i < 20000:\n    i += 1\n"
    result = _run(tmp_path, _instrumented(program), f"print({COUNTER}[:2])")
    assert result.stdout == f"[{3 + 20000 * 6}, 3]\n"


@needs_micropython
def test_counter_counts_each_item_of_a_comprehension_and_each_call_of_a_lambda(
    tmp_path: Path,
) -> None:
    program = "x = [i for i in range(10)]\ny = list(map(lambda v: v + 1, x))\n"
    result = _run(tmp_path, _instrumented(program), f"print({COUNTER}[:2], prog.y[-1])")
    # line 1: 8 ops, then per item: i (1), the target i (1) and the step (1); line 2: 8 ops
    # (Assign, y, Call, list, Call, map, Lambda, x), then per call: v + 1 (3)
    assert result.stdout == f"[{8 + 10 * 3 + 8 + 10 * 3}, 2] 10\n"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("x = 1", 0),
        ("ok = a and b or c", 2),  # one jump per operand after the first
        ("v = x if y else z", 1),
        ("t = a < b < c", 1),  # a chained comparison: one jump per link after the first
        ("break", 1),
        ("assert x, 'why'", 1),
        ("f(lambda: a and b)", 0),  # a lambda's body runs at each call, not here
    ],
)
def test_checks_of_a_statement(expression: str, expected: int) -> None:
    assert checks(ast.parse(expression).body[0]) == expected


@pytest.mark.parametrize(
    ("program", "looks"),
    [
        # a statement sure to run on every pass: the look goes after its prefix
        ("while x:\n    a = 1\n    b = 2\n", {2}),
        # an if/else: one in each branch, as every pass goes through one of them
        ("for i in r:\n    if i:\n        a()\n    else:\n        b()\n", {3, 5}),
        ("for i in r:\n    if i:\n        a()\n    elif j:\n        c()\n    else:\n        b()\n",
         {3, 5, 7}),
    ],
)  # fmt: skip
def test_each_pass_of_a_loop_looks_at_the_clock(program: str, looks: set[int]) -> None:
    out = _instrumented(program).splitlines()
    assert {n for n, line in enumerate(out, 1) if LOOK in line} == looks


@pytest.mark.parametrize(
    ("program", "metered"),
    [
        # no statement sure to run on every pass: the charge and the look go in a test
        ("while True:\n    if x:\n        a()\n", "while _irq_k(1,1,(True)):"),
        ("for i in r:\n    if i:\n        a()\n", "    if _irq_k(2,1,(i)):"),
        # a comprehension's element, and a lambda's body
        ("v = [a * 2 for a in b if a]", "v = [_irq_k(6,1,(a * 2)) for a in b if a]"),
        ("f = lambda x: x + 1", "f = lambda x: _irq_k(3,0,(x + 1))"),
        ("f = lambda: (lambda: 1)", "f = lambda: (_irq_k(1,0,(lambda: _irq_k(1,0,(1)))))"),
    ],
)
def test_loops_and_expressions_with_no_statement_of_their_own_are_metered(
    program: str, metered: str
) -> None:
    assert metered in _instrumented(program)


# --- Line store ---


def test_file_id_goes_into_the_line_store() -> None:
    assert PREFIX.findall(_instrumented("x = 1\n\ny = 2\n", file_id=3)) == [
        ("3", "", str(3 * LINE_BASE + 1)),
        ("3", "", str(3 * LINE_BASE + 3)),
    ]


@needs_micropython
def test_a_module_reports_its_own_file_id(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "helper.py").write_text(_instrumented("def f():\n    return 5\n", file_id=2))
    result = _run(folder, _instrumented("import helper\nv = helper.f()\n"), f"print({COUNTER}[:2])")
    # ops: import 1, then v = helper.f() 5 (line 2 of main), then return 5 (2 ops, helper line 2)
    assert result.stdout == f"[{1 + 5 + 2}, {2 * LINE_BASE + 2}]\n"


# --- Text: columns, line endings ---


def test_columns_are_utf8_bytes() -> None:
    # "é→✓" is 3 characters but 8 bytes: a character offset would cut into the string.
    out = _instrumented('s = "é→✓"; t = 1\n')
    assert out == '_irq_c[0]+=3;_irq_c[1]=1;s = "é→✓"; _irq_c[0]+=3;_irq_c[1]=1;t = 1\n'


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("x = 1\r\ny = 2\r\n", "{1}x = 1\r\n{2}y = 2\r\n"),
        ("x = 1\ry = 2\rz = 3", "{1}x = 1\r{2}y = 2\r{3}z = 3"),
        # \v and \f end no line for Python or MicroPython (str.splitlines would split there)
        ("s = 'a\x0bb\x0cc'; t = 1\nu = 2\n", "{1}s = 'a\x0bb\x0cc'; {1}t = 1\n{2}u = 2\n"),
        ("x = 1\n\x0cy = 2\n", "{1}x = 1\n\x0c{2}y = 2\n"),
    ],
)
def test_line_endings_are_kept(program: str, expected: str) -> None:
    prefixes = {f"{{{n}}}": f"{COUNTER}[0]+=3;{COUNTER}[1]={n};" for n in (1, 2, 3)}
    for mark, prefix in prefixes.items():
        expected = expected.replace(mark, prefix)
    assert _instrumented(program) == expected


# --- Failure and speed ---


@pytest.mark.parametrize(
    "source",
    [
        "def f(:\n",
        "x = 1\0\n",
        "x = " + "(" * 300 + ")" * 300,  # too many nested parentheses
        "x = " + "+".join(["1"] * 100_000),  # RecursionError building the tree
        "x = " + "-" * 200_000 + "1",  # MemoryError in the parser
        "x = '\ud800'",  # not encodable as UTF-8
        "print 'python 2'\n",
    ],
    ids=["syntax", "null", "parens", "recursion", "memory", "surrogate", "py2"],
)
def test_unparsable_source_gives_none(source: str) -> None:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assert instrument(source) is None
    else:  # Python 3.10 builds the 100 000-deep tree: then it must be counted, not raise
        assert instrument(source) is not None


def test_a_256_kib_program_is_instrumented_whole() -> None:
    # How long it takes is bench/sim_speed.py's to say (typically 0.3 s): not a test's.
    chunk = CORPUS["layout"] + CORPUS["exceptions"] + "x = 1; " * 200 + "y = 2\n"
    source = chunk * (256 * 1024 // len(chunk) + 1)
    assert len(source) >= 256 * 1024
    out = _instrumented(source)
    assert _stripped(out) == source


def test_the_garbage_collector_is_left_as_it_was() -> None:
    instrument("x = 1\n")
    assert gc.isenabled()
    gc.disable()
    try:
        instrument("x = 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
