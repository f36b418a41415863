"""irqlab.harden: what a graded program may not use, and that honest programs use none of it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from irqlab import harden
from irqlab.harden import RESERVED_PREFIX, Forbidden, find_forbidden

ROOT = Path(__file__).resolve().parents[1]
HONEST_FOLDERS = ("labs", "solutions", "tests/good", "tests/bad")
HONEST = sorted(p for folder in HONEST_FOLDERS for p in (ROOT / folder).rglob("*.py"))


def found(source: str) -> list[tuple[int, str]]:
    """(line, what) of each finding in `source` (dedented)."""
    return [(f.line, f.what) for f in find_forbidden(textwrap.dedent(source))]


def why(source: str) -> list[str]:
    return [f.why for f in find_forbidden(textwrap.dedent(source))]


# --- honest programs: no finding, ever


@pytest.mark.parametrize("folder", HONEST_FOLDERS)
def test_every_honest_folder_has_programs(folder: str) -> None:
    # Guards the test below against globbing nothing after a move.
    assert list((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", HONEST, ids=lambda p: str(p.relative_to(ROOT)))
def test_honest_program_is_clean(path: Path) -> None:
    assert find_forbidden(path.read_text(encoding="utf-8")) == []


HONEST_CONSTRUCTS = {
    "irq names that only contain irq": """
        import machine
        from machine import Pin
        irq_count = 0
        def on_irq(pin):
            global irq_count
            irq_count += 1
        state = machine.disable_irq()
        machine.enable_irq(state)
        Pin(5).irq(handler=on_irq, trigger=Pin.IRQ_FALLING)
        print("_irqsim")  # _irqsim in a comment or a string is only text
        """,
    "micropython's everyday functions": """
        import micropython
        from micropython import const
        micropython.alloc_emergency_exception_buf(100)
        LIMIT = const(20)
        def later(arg):
            pass
        micropython.schedule(later, None)
        """,
    "getattr with a written-out name": """
        getattr(obj, "value")
        getattr(obj, "value", None)
        setattr(obj, "count", 1)
        hasattr(obj, "irq")
        delattr(obj, "pending")
        getattr(pin, "__name__")
        """,
    "the dunders honest code uses": """
        class Counter:
            def __init__(self):
                self.n = 0
            def __len__(self):
                return self.n
            def __repr__(self):
                return "Counter(" + str(self.n) + ")"
        class Fast(Counter):
            def __init__(self):
                super().__init__()
        c = Fast()
        print(type(c).__name__, c.__class__.__name__, c.__len__(), __name__, __file__)
        if __name__ == "__main__":
            pass
        """,
    "sys, os and machine, used honestly": """
        import os
        import sys
        from machine import Pin, Timer
        import machine
        os.listdir()
        sys.print_exception(ValueError())
        print(sys.platform, machine.Pin(5).value())
        modules = ["a"]
        settings.system = "esp32"
        """,
    "compile of another module": """
        import re
        pattern = re.compile("a+")
        execute = 1
        evaluation = 2
        job.execute()
        """,
    "the program's own private attributes": """
        from machine import Pin
        class Debouncer:
            def __init__(self, pin):
                self._pin = pin
                self._count = 0
            def count(self):
                return self._count
        d = Debouncer(Pin(5))
        print(d._count)
        """,
}


@pytest.mark.parametrize("source", HONEST_CONSTRUCTS.values(), ids=HONEST_CONSTRUCTS.keys())
def test_near_miss_is_allowed(source: str) -> None:
    assert found(source) == []


# --- rule 1: names reserved for the board

RESERVED_CASES = {
    "import": ("import _irqsim", [(1, "_irqsim")]),
    "from import": ("from _irqsim import now_us", [(1, "_irqsim")]),
    "import alias": ("import time as _irqtime", [(1, "_irqtime")]),
    "from import alias": ("from machine import Pin as _irqPin", [(1, "_irqPin")]),
    "relative import": ("from . import _irqsim", [(1, "from . import _irqsim")]),
    "name": ("x = 1\n_irq_c[0] = 0", [(2, "_irq_c")]),
    "attribute": ("from machine import Pin\np = Pin(5)\np._irq", [(3, "p._irq")]),
    "function": ("def _irqhandler(pin):\n    pass", [(1, "_irqhandler")]),
    "class": ("class _irqX:\n    pass", [(1, "_irqX")]),
    "argument": ("def f(a, _irqarg=1):\n    pass", [(1, "_irqarg")]),
    "lambda argument": ("f = lambda _irqa: 0", [(1, "_irqa")]),
    "global": ("def f():\n    global _irqg", [(2, "_irqg")]),
    "nonlocal": ("def f():\n    def g():\n        nonlocal _irqn", [(3, "_irqn")]),
    "keyword argument": ("f(1, _irqkw=2)", [(1, "_irqkw")]),
    "exception name": ("try:\n    pass\nexcept Exception as _irqe:\n    pass", [(3, "_irqe")]),
    "getattr string": ('getattr(pin, "_irq")', [(1, 'getattr(pin, "_irq")')]),
    "hasattr string": ('x = 1\nhasattr(m, "_irqsim")', [(2, 'hasattr(m, "_irqsim")')]),
    "setattr string": ('setattr(m, "_irq_c", [0, 0])', [(1, 'setattr(m, "_irq_c", [0, 0])')]),
}


@pytest.mark.parametrize(("source", "expected"), RESERVED_CASES.values(), ids=RESERVED_CASES)
def test_reserved_names_are_refused(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected
    assert set(why(source)) == {harden.RESERVED}


def test_reserved_prefix() -> None:
    assert RESERVED_PREFIX == "_irq"


# --- rule 2: builtins that run code or hand out namespaces


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ('exec("x = 1")', harden.RUNS_CODE),
        ('eval("1")', harden.RUNS_CODE),
        ('compile("1", "f", "eval")', harden.RUNS_CODE),
        ("globals()", harden.NAMESPACE),
        ("locals()", harden.NAMESPACE),
        ("vars(obj)", harden.NAMESPACE),
        ('__import__("os")', harden.IMPORTS),
    ],
)
def test_code_running_builtins_are_refused(call: str, reason: str) -> None:
    name = call.split("(")[0]
    assert found(f"x = 1\ny = {call}") == [(2, name)]
    assert why(f"x = 1\ny = {call}") == [reason]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("run = exec", [(1, "exec")]),  # assigned
        ("print(eval)", [(1, "eval")]),  # passed
        ('[exec][0]("1")', [(1, "exec")]),  # in a list
        ('import builtins\nbuiltins.exec("1")', [(2, "builtins.exec")]),  # an attribute
        ("import builtins as b\nb.compile", [(2, "b.compile")]),
        ("from builtins import globals", [(1, "from builtins import globals")]),
        ("import helper\nhelper.b.eval", [(2, "helper.b.eval")]),  # exec, eval: anywhere
    ],
)
def test_builtins_are_refused_however_referenced(
    source: str, expected: list[tuple[int, str]]
) -> None:
    assert found(source) == expected


def test_exec_says_why_in_plain_words() -> None:
    assert why("exec('1')") == ["it runs code the grader cannot check"]


# --- rule 3: getattr and friends need a written-out, harmless name


@pytest.mark.parametrize(
    "call",
    [
        "getattr(obj, name)",
        'setattr(obj, "x" + "y", 1)',
        "delattr(obj, name)",
        "hasattr(obj, *names)",
        "getattr(*args)",
        "getattr(obj, **names)",
        "getattr(obj, f'{x}')",
    ],
)
def test_computed_attribute_name_is_refused(call: str) -> None:
    assert found(f"x = 1\n{call}") == [(2, call)]
    assert why(call) == [harden.COMPUTED]


def test_getattr_with_a_dunder_name_is_refused() -> None:
    assert found('getattr(f, "__globals__")') == [(1, 'getattr(f, "__globals__")')]
    assert why('getattr(f, "__globals__")') == [harden.DUNDER]


def test_getattr_passed_around_is_refused() -> None:
    assert found("g = getattr\ng(obj, name)") == [(1, "getattr"), (2, "g(obj, name)")]
    assert why("g = getattr") == [harden.PASSED]


def test_getattr_reached_through_builtins_is_checked() -> None:
    assert found("import builtins\nbuiltins.getattr(obj, name)") == [
        (2, "builtins.getattr(obj, name)")
    ]
    assert found('import builtins\nbuiltins.getattr(obj, "value")') == []


# --- rule 4: dunder attributes


@pytest.mark.parametrize(
    "attribute",
    [
        "f.__globals__",
        "obj.__dict__",
        "f.__code__",
        "f.__closure__",
        "m.__self__",
        "m.__func__",
        "C.__bases__",
        "C.__mro__",
        "object.__subclasses__",
        "x.__builtins__",
        "f.__module__",
        "obj.__getattribute__",
        "type(x).__dict__",
        "(lambda: 0).__code__",
    ],
)
def test_dunder_attribute_is_refused(attribute: str) -> None:
    assert found(f"x = 1\ny = {attribute}") == [(2, attribute)]
    assert why(f"y = {attribute}") == ["it reaches inside objects the board owns"]


def test_dunder_attribute_spread_over_lines_is_shown_on_one() -> None:
    assert found("x = (a.\n  b\n  .__dict__)") == [(1, "a. b .__dict__")]


def test_dunder_attribute_in_a_match_pattern_is_refused() -> None:
    source = "match p:\n    case C(__dict__=d):\n        pass"
    assert found(source) == [(2, "__dict__")]


def test_dunder_bare_names_are_refused_except_the_usual_ones() -> None:
    assert found("b = __builtins__") == [(1, "__builtins__")]
    assert found("c = __build_class__") == [(1, "__build_class__")]
    assert found("print(__name__, __file__, __doc__)") == []


# --- rule 5: raw memory, native calls, threads, the board's modules


@pytest.mark.parametrize(
    ("source", "expected", "reason"),
    [
        ("import uctypes", [(1, "uctypes")], "it reads and writes raw memory"),
        ("from uctypes import bytearray_at", [(1, "uctypes")], harden.RAW_MEMORY),
        ("import ffi", [(1, "ffi")], harden.FFI),
        ("import _thread", [(1, "_thread")], harden.THREAD),
        ("import os, _thread as t", [(1, "_thread")], harden.THREAD),
        ("from machine import mem32", [(1, "from machine import mem32")], harden.RAW_MEMORY),
        ("import machine\nmachine.mem32[0x3FF44004]", [(2, "machine.mem32")], harden.RAW_MEMORY),
        ("import umachine as m\nm.mem8[0] = 1", [(2, "m.mem8")], harden.RAW_MEMORY),
        ("import mc\nmc.mem16[0]", [(2, "mc.mem16")], harden.RAW_MEMORY),  # anywhere
        ("import sys as s\ns.modules", [(2, "s.modules")], harden.MODULES),
        ("import sys\nsys.modules['machine']", [(2, "sys.modules")], harden.MODULES),
        ("from sys import modules", [(1, "from sys import modules")], harden.MODULES),
        ("from usys import modules as m", [(1, "from usys import modules")], harden.MODULES),
        ("import __main__", [(1, "__main__")], harden.HARNESS),
    ],
)
def test_dangerous_modules_are_refused(
    source: str, expected: list[tuple[int, str]], reason: str
) -> None:
    assert found(source) == expected
    assert why(source) == [reason]


# --- rule 6: native code emitters


@pytest.mark.parametrize("emitter", ["native", "viper", "asm_thumb", "asm_xtensa", "asm_rv32"])
def test_native_emitter_decorator_is_refused(emitter: str) -> None:
    source = f"x = 1\n@micropython.{emitter}\ndef f():\n    pass"
    assert found(source) == [(2, f"@micropython.{emitter}")]
    assert why(source) == [harden.NATIVE]


def test_native_emitter_imported_by_name_is_refused_where_imported_and_used() -> None:
    source = "from micropython import viper\n\n@viper\ndef f(x: int) -> int:\n    return x"
    assert found(source) == [(1, "from micropython import viper"), (3, "@viper")]


def test_native_emitter_as_an_attribute_anywhere_is_refused() -> None:
    assert found("import micropython\nf = micropython.native(f)") == [(2, "micropython.native")]


# --- rule 7: other programs


@pytest.mark.parametrize(
    "member", ["system", "popen", "fork", "execv", "execve", "spawnv", "dup", "dup2"]
)
def test_running_other_programs_is_refused(member: str) -> None:
    assert found(f"import os\nos.{member}('ls')") == [(2, f"os.{member}")]
    assert found(f"import uos as o\no.{member}") == [(2, f"o.{member}")]
    assert found(f"from os import {member}") == [(1, f"from os import {member}")]
    assert why(f"from os import {member}") == ["it runs other programs"]


def test_program_runner_imported_under_another_name_is_refused_where_used() -> None:
    assert found("from uos import dup2 as d\nd(1, 2)") == [(1, "from uos import dup2"), (2, "d")]
    assert why("from uos import dup2 as d\nd(1, 2)")[1].startswith("it is os.dup2 under another")


# --- rule 8: aliasing tricks

ALIASING_CASES = {
    "module alias decorator": (
        "import micropython as m\n@m.viper\ndef f():\n    pass",
        [(2, "@m.viper")],
    ),
    "builtins by dunder": ("b = __builtins__", [(1, "__builtins__")]),
    "builtins module": ('import builtins\nbuiltins.eval("1")', [(2, "builtins.eval")]),
    "builtin by another name": ('e = eval\ne("1")', [(1, "eval"), (2, "e")]),
    "computed name": (
        'import builtins\ngetattr(builtins, "ev" + "al")("1")',
        [(2, 'getattr(builtins, "ev" + "al")')],
    ),
    "reference in a list": ('[exec][0]("1")', [(1, "exec")]),
    "module assigned": ("import os\no = os\no.system('ls')", [(3, "o.system")]),
    "module assigned late": ("def f():\n    a.system('ls')\nimport os\na = os", [(2, "a.system")]),
    "tuple assignment": ("import os, sys\na, b = os, sys\nb.modules", [(3, "b.modules")]),
    "walrus": ("(m := micropython).viper", [(1, "(m := micropython).viper")]),
    "either module": ("import os\n(x or os).system('ls')", [(2, "(x or os).system")]),
    "literal getattr": ('getattr(micropython, "viper")', [(1, 'getattr(micropython, "viper")')]),
    "getattr result": (
        'v = getattr(micropython, "viper")\n@v\ndef f():\n    pass',
        [(1, 'getattr(micropython, "viper")'), (2, "@v")],
    ),
    "module through a module": ("import helper\nhelper.os.system('ls')", [(2, "helper.os.system")]),
    "star import": ("from os import *\nsystem('ls')", [(2, "system")]),
    "renamed emitter": (
        "from micropython import viper as fast\n@fast\ndef f():\n    pass",
        [(1, "from micropython import viper"), (2, "@fast")],
    ),
}


@pytest.mark.parametrize(("source", "expected"), ALIASING_CASES.values(), ids=ALIASING_CASES)
def test_aliasing_does_not_escape(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


def test_an_alias_says_what_it_stands_for() -> None:
    assert why('e = eval\ne("1")')[1] == (
        "it is eval under another name: it runs code the grader cannot check"
    )


# --- the board modules' private state (micropython._sim is the simulator itself)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import micropython\nmicropython._sim", [(2, "micropython._sim")]),
        ("import select\nselect._sim.now_us()", [(2, "select._sim")]),
        ("from micropython import _sim", [(1, "from micropython import _sim")]),
        ("from machine import Pin\nbutton = Pin(5)\nbutton._p", [(3, "button._p")]),
        ("import time\ntime._base", [(2, "time._base")]),
        (
            "import machine\nmachine.Pin(5)._p._handler",
            [(2, "machine.Pin(5)._p"), (2, "machine.Pin(5)._p._handler")],
        ),
        ('import machine as mc\ngetattr(mc, "_x")', [(2, 'getattr(mc, "_x")')]),
    ],
)
def test_board_private_state_is_refused(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected
    assert set(why(source)) == {harden.PRIVATE}


# --- order, duplicates, what CPython can't parse, size


def test_findings_come_in_line_order_one_per_line_and_construct() -> None:
    source = """\
        import os
        os.system("a"); os.system("b")
        import uctypes
        x = f.__dict__ if eval("1") else exec
    """
    assert found(source) == [
        (2, "os.system"),
        (3, "uctypes"),
        (4, "f.__dict__"),
        (4, "eval"),
        (4, "exec"),
    ]


def test_lines_inside_f_strings_are_right() -> None:
    assert found('x = 1\nprint(f"""\n{eval("1")}\n""")') == [(3, "eval")]


@pytest.mark.parametrize("source", ["def (:\n", "import uctypes\nx = (", "x = 1\0", "\tx = 1"])
def test_unparseable_source_gives_nothing(source: str) -> None:
    assert find_forbidden(source) == []


def test_source_too_deep_for_cpython_is_one_finding() -> None:
    # MicroPython's parser goes deeper than CPython's: such a file must not pass unchecked.
    assert find_forbidden("y = x" + ".a" * 20000) == [
        Forbidden(1, "nesting this deep", harden.DEEP)
    ]


def test_long_constructs_are_shortened() -> None:
    (f,) = find_forbidden("x = " + "a." * 200 + "__dict__")
    assert f.what.endswith(".__dict__") and "…" in f.what and len(f.what) < 80


def test_large_source_is_handled() -> None:
    # 256 KiB, the largest program irqlab runs: honest code, with an exec after each copy.
    honest = max((p.read_text(encoding="utf-8") for p in ROOT.glob("solutions/*/main.py")), key=len)
    copies = 256 * 1024 // (len(honest) + 10) + 1
    source = (honest + "exec('1')\n") * copies
    assert len(source) >= 256 * 1024
    step = honest.count("\n") + 1
    assert found(source) == [(step * n, "exec") for n in range(1, copies + 1)]


def test_large_source_of_aliases_is_handled() -> None:
    # A long chain of assignments, against the file's order: the worklist must reach its end.
    chain = "".join(f"a{i} = a{i + 1}\n" for i in range(20000))
    source = f"{chain}import os\na20000 = os\na0.system('ls')\n"
    assert len(source) > 256 * 1024 // 2
    assert found(source) == [(20003, "a0.system")]


# --- sentence


def test_sentence_reads_as_specified() -> None:
    f = Forbidden(12, "exec", "it runs code the grader cannot check")
    assert f.sentence("main.py") == (
        "main.py line 12: `exec` is not allowed in graded programs"
        " (it runs code the grader cannot check)"
    )


def test_sentence_of_a_real_finding() -> None:
    (f,) = find_forbidden("import micropython\n\n@micropython.viper\ndef f():\n    pass\n")
    assert f.sentence("helper.py") == (
        "helper.py line 3: `@micropython.viper` is not allowed in graded programs"
        " (it compiles to machine code that can read and write raw memory)"
    )
