"""Refuse, on the host, what in a graded program could reach the board from inside the VM.

A graded program runs in the same MicroPython VM as the simulated board. The board keeps its
state out of the program's reach; as defence in depth, each .py file of a submission is parsed
here with CPython's `ast` first, and what could still get at the board is refused: names
reserved for the board (`_irq...`), reflection (dunder attributes, getattr with a computed name,
globals()), raw memory (uctypes, machine.mem32, the native code emitters), code the host never
saw (exec, eval, compile, __import__), other programs (os.system) and the board modules'
private attributes (micropython._sim). Honest lab programs need none of it: every program
under labs/, solutions/ and tests/good|bad/ is clean (tests/test_harden.py checks).

Names are followed through imports and plain assignments (`import os as o`, `e = eval`),
flow-insensitively: a name ever bound to a module stands for that module everywhere in the
file. No step recurses (ASTs can be deep) and the work is bounded by the file's size, so a
hostile file can't stall the grader.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

RESERVED_PREFIX = "_irq"


@dataclass(frozen=True)
class Forbidden:
    """One construct a graded program may not use, where it is, and why."""

    line: int
    what: str  # the construct, as written, e.g. "exec", "uctypes", "@micropython.viper"
    why: str  # a short reason a student understands

    def sentence(self, file: str) -> str:
        """One line: 'main.py line 12: `exec` is not allowed in graded programs (it runs ...)'."""
        return (
            f"{file} line {self.line}: `{self.what}` is not allowed in graded programs ({self.why})"
        )


RESERVED = f"names starting with {RESERVED_PREFIX} are reserved for the board"
RUNS_CODE = "it runs code the grader cannot check"
IMPORTS = "it imports modules the grader cannot check"
NAMESPACE = "it hands out variables by name, which the grader cannot check"
COMPUTED = "the attribute's name must be written out as a string, so the grader can check it"
PASSED = "call it where you use it, with the attribute's name written out"
DUNDER = "it reaches inside objects the board owns"
DUNDER_NAME = "it reaches inside the interpreter the board shares"
RAW_MEMORY = "it reads and writes raw memory"
NATIVE = "it compiles to machine code that can read and write raw memory"
FFI = "it calls native code directly"
THREAD = "it starts a thread the board does not schedule"
MODULES = "it reaches the board's own modules"
HARNESS = "it is the board's harness, not your program"
PROGRAMS = "it runs other programs"
PRIVATE = "it reaches the board's private state"
DEEP = "the grader cannot check code nested this deeply"

Ref = tuple[str, str]  # (module kind, member): ("os", "") is os itself, ("os", "system") a member
_NOTHING: frozenset[Ref] = frozenset()
_BOARD_OBJECT: Ref = ("board", "")  # anything reached from a board module
_BOARD_ONLY = frozenset({_BOARD_OBJECT})

# Module names, as imported, to the kind they are (the `u` names are MicroPython's aliases).
_KINDS = {
    "os": "os",
    "uos": "os",
    "sys": "sys",
    "usys": "sys",
    "builtins": "builtins",
    "ubuiltins": "builtins",
    "machine": "machine",
    "umachine": "machine",
    "micropython": "micropython",
    "time": "time",
    "utime": "time",
    "select": "select",
    "uselect": "select",
    "_asyncio": "_asyncio",
}
# The modules the board puts in sys.modules for the program: their insides are the board's.
_BOARD_KINDS = frozenset({"machine", "micropython", "time", "select", "_asyncio"})
_EMITTERS = ("native", "viper", "asm_thumb", "asm_xtensa", "asm_rv32")
_RUNNERS = ("system", "popen", "fork", "execv", "execve", "spawnv", "dup", "dup2")
_MEMBERS: dict[str, dict[str, str]] = {
    "builtins": {
        "exec": RUNS_CODE,
        "eval": RUNS_CODE,
        "compile": RUNS_CODE,
        "__import__": IMPORTS,
        "globals": NAMESPACE,
        "locals": NAMESPACE,
        "vars": NAMESPACE,
    },
    "os": dict.fromkeys(_RUNNERS, PROGRAMS),
    "sys": {"modules": MODULES},
    "machine": dict.fromkeys(("mem8", "mem16", "mem32"), RAW_MEMORY),
    "micropython": dict.fromkeys(_EMITTERS, NATIVE),
}
# Members refused on any object, not only on the module: no honest program has an attribute
# by these names, and a module can travel where a name can't be followed (helper.mc.mem32).
# Generic names (compile, system, modules, native, ...) are refused on their module only.
_ANYWHERE_NAMES = frozenset(
    {"exec", "eval", "mem8", "mem16", "mem32", "viper", "asm_thumb", "asm_xtensa", "asm_rv32"}
    | {"popen", "execv", "execve", "spawnv", "dup2"}
)
_ANYWHERE = {
    name: why
    for members in _MEMBERS.values()
    for name, why in members.items()
    if name in _ANYWHERE_NAMES
}
_FORBIDDEN_MODULES = {
    "uctypes": RAW_MEMORY,
    "ffi": FFI,
    "uffi": FFI,
    "_thread": THREAD,
    "__main__": HARNESS,
}
_GETATTRS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
_GETATTR_REFS = frozenset(("builtins", name) for name in _GETATTRS)
_DUNDER_ATTRIBUTES_OK = frozenset(
    {
        *("__init__", "__name__", "__class__", "__enter__", "__exit__", "__iter__"),
        *("__next__", "__len__", "__str__", "__repr__", "__call__", "__await__"),
        *("__aenter__", "__aexit__", "__aiter__", "__anext__", "__getitem__"),
        *("__setitem__", "__eq__", "__hash__", "__new__", "__del__", "__contains__"),
    }
)
_DUNDER_NAMES_OK = frozenset(
    {"__name__", "__file__", "__doc__", "__debug__", "__all__", "__version__", "__slots__"}
)


def find_forbidden(source: str) -> list[Forbidden]:
    """What in `source` a graded program may not use, in line order; [] when CPython can't parse
    it (the caller handles that case).

    A source too deeply nested for CPython's parser is one finding, not []: MicroPython's
    parser goes deeper, so it would run a file nobody checked.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes etc. are the student's business
            tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    except (RecursionError, MemoryError):
        return [Forbidden(1, "nesting this deep", DEEP)]
    return _in_order(_Checker(tree, source).findings())


def _in_order(found: Iterable[tuple[int, Forbidden]]) -> list[Forbidden]:
    """Sorted by line (then column), one per (line, what): the first rule to speak wins."""
    out: dict[tuple[int, str], Forbidden] = {}
    for _, f in sorted(found, key=lambda pair: (pair[1].line, pair[0])):
        out.setdefault((f.line, f.what), f)
    return list(out.values())


# --- names and what they stand for


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not _is_dunder(name)


def _is_board(refs: Iterable[Ref]) -> bool:
    return any(kind in _BOARD_KINDS or kind == "board" for kind, _ in refs)


def _name_refs(name: str) -> frozenset[Ref]:
    """What a bare name stands for before any binding: a module, or a builtin we watch."""
    refs: set[Ref] = set()
    if name in _KINDS:  # also when never imported: `@micropython.native` needs no import
        refs.add((_KINDS[name], ""))
    if name in _MEMBERS["builtins"] or name in _GETATTRS:
        refs.add(("builtins", name))
    return frozenset(refs)


def _member(base: Iterable[Ref], attr: str) -> frozenset[Ref]:
    """What `base.attr` stands for; members nobody refuses collapse to "the board's", or go."""
    refs: set[Ref] = set()
    for kind, member in base:
        if not member and (attr in _MEMBERS.get(kind, {}) or (kind, attr) in _GETATTR_REFS):
            refs.add((kind, attr))
        if kind in _BOARD_KINDS or kind == "board":
            refs.add(_BOARD_OBJECT)
    if attr in _KINDS:  # helper.os is os, wherever helper got it
        refs.add((_KINDS[attr], ""))
    return frozenset(refs)


def _forbidden_ref(refs: Iterable[Ref], written: str) -> str | None:
    """The reason when `refs` holds a refused member; `written` is the name as used."""
    for kind, member in sorted(refs):
        why = _MEMBERS.get(kind, {}).get(member)
        if why is not None:
            if member == written:
                return why
            shown = member if kind == "builtins" else f"{kind}.{member}"
            return f"it is {shown} under another name: {why}"
    return None


def _attribute_why(attr: str, base: frozenset[Ref], refs: frozenset[Ref]) -> str | None:
    """Why `base.attr` (which stands for `refs`) is refused, or None."""
    if attr.startswith(RESERVED_PREFIX):
        return RESERVED
    why = _forbidden_ref(refs, attr) or _ANYWHERE.get(attr)
    if why is not None:
        return why
    if _is_dunder(attr) and attr not in _DUNDER_ATTRIBUTES_OK:
        return DUNDER
    if _is_private(attr) and _is_board(base):
        return PRIVATE
    return None


def _literal_name(call: ast.Call) -> str | None:
    """The attribute name of getattr(obj, "name", ...) when it is written out, else None."""
    if len(call.args) < 2 or any(isinstance(a, ast.Starred) for a in call.args[:2]):
        return None
    name = call.args[1]
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None


def _evaluate(
    node: ast.AST, done: Mapping[int, frozenset[Ref]], aliases: Mapping[str, frozenset[Ref]]
) -> frozenset[Ref]:
    """What `node` stands for, from what its sub-expressions stand for (`done`)."""

    def of(sub: ast.AST) -> frozenset[Ref]:
        return done.get(id(sub), _NOTHING)

    if isinstance(node, ast.Name):
        return _name_refs(node.id) | aliases.get(node.id, _NOTHING)
    if isinstance(node, ast.Attribute):
        return _member(of(node.value), node.attr)
    if isinstance(node, ast.Call):
        name = _literal_name(node)
        if name is not None and of(node.func) & _GETATTR_REFS:
            return _member(of(node.args[0]), name)
        return _BOARD_ONLY if _is_board(of(node.func)) else _NOTHING
    if isinstance(node, ast.Subscript):
        return _BOARD_ONLY if _is_board(of(node.value)) else _NOTHING
    if isinstance(node, (ast.NamedExpr, ast.IfExp, ast.BoolOp)):  # it is one of its parts
        return _NOTHING.union(*(of(part) for part in _parts(node)))
    return _NOTHING


def _parts(node: ast.AST) -> list[ast.expr]:
    """The sub-expressions `node` can stand for, or is reached through (its spine)."""
    if isinstance(node, (ast.Attribute, ast.Subscript, ast.NamedExpr)):
        return [node.value]
    if isinstance(node, ast.Call):
        return [node.func, *node.args[:1]]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    return []


def _spine(node: ast.expr) -> list[ast.expr]:
    """`node` and the sub-expressions it stands for, innermost first (no recursion)."""
    out: list[ast.expr] = []
    todo = [node]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_parts(current))
    out.reverse()  # reversed pre-order: every part before what it is part of
    return out


def _postorder(root: ast.AST) -> Iterator[ast.AST]:
    """Every node of `root`, children before parents, without recursion (trees can be deep)."""
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in ast.iter_child_nodes(node))


# --- what names are bound to


def _import_refs(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, frozenset[Ref]]]:
    """(local name, what it stands for) for each name the import binds that we follow."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            module = alias.name if alias.asname else alias.name.split(".")[0]
            if module in _KINDS:
                yield alias.asname or module, frozenset({(_KINDS[module], "")})
        return
    base = _NOTHING
    if node.level == 0 and node.module in _KINDS:
        base = frozenset({(_KINDS[node.module], "")})
    for alias in node.names:
        if alias.name == "*":  # the refused members, under their own names
            for kind, _ in base:
                for member in _MEMBERS.get(kind, {}):
                    yield member, frozenset({(kind, member)})
        else:
            yield alias.asname or alias.name, _member(base, alias.name)


def _assigned(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """(name, value) for each plain name an assignment binds to an expression."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _pairs(target, node.value)
    elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
        yield from _pairs(node.target, node.value)


def _pairs(target: ast.expr, value: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(target, ast.Name):
        yield target.id, value
    elif (
        isinstance(target, (ast.Tuple, ast.List))
        and isinstance(value, (ast.Tuple, ast.List))
        and len(target.elts) == len(value.elts)
    ):  # a, b = os, sys
        for t, v in zip(target.elts, value.elts, strict=True):
            yield from _pairs(t, v)


def _aliases(
    seeds: Iterable[tuple[str, frozenset[Ref]]], pairs: list[tuple[str, ast.expr]]
) -> dict[str, frozenset[Ref]]:
    """What each name stands for, through imports and assignments, to a fixed point.

    A worklist: a pair is looked at again only when a name in its value gains a meaning, and a
    name gains at most one per kind of ref there is, so the work stays linear in the file.
    """
    aliases: defaultdict[str, frozenset[Ref]] = defaultdict(frozenset)
    for name, refs in seeds:
        aliases[name] |= refs
    spines = [_spine(value) for _, value in pairs]
    waiting: defaultdict[str, list[int]] = defaultdict(list)
    for index, spine in enumerate(spines):
        for name in {n.id for n in spine if isinstance(n, ast.Name)}:
            waiting[name].append(index)
    todo = deque(range(len(pairs)))  # first in, first out: a name's imports and assignments
    queued = set(todo)  # all count before what depends on it; a pair waits at most once
    while todo:
        index = todo.popleft()
        queued.discard(index)
        target = pairs[index][0]
        done: dict[int, frozenset[Ref]] = {}
        for node in spines[index]:
            done[id(node)] = _evaluate(node, done, aliases)
        new = done[id(spines[index][-1])] - aliases[target]
        if new:
            aliases[target] |= new
            again = [i for i in waiting.get(target, ()) if i not in queued]
            todo.extend(again)
            queued.update(again)
    return dict(aliases)


# --- the source as written


class _Text:
    """Snippets of the source as written, short, for `Forbidden.what`."""

    HALF = 28  # a snippet longer than 2 * HALF bytes keeps its two ends
    NEWLINE = re.compile(r"\r\n|\r|\n")  # as CPython counts lines

    def __init__(self, source: str) -> None:
        self._lines = self.NEWLINE.split(source)
        self._encoded: dict[int, bytes] = {}  # columns count UTF-8 bytes

    def _line(self, number: int) -> bytes:
        if number not in self._encoded:
            text = self._lines[number - 1] if 0 < number <= len(self._lines) else ""
            self._encoded[number] = text.encode("utf-8", "replace")
        return self._encoded[number]

    def of(self, node: ast.expr) -> str:
        """`node` as written, on one line; the middle of a long one becomes '…'."""
        first, last = node.lineno, node.lineno if node.end_lineno is None else node.end_lineno
        start = node.col_offset
        end = start if node.end_col_offset is None else node.end_col_offset
        if last - first < 4:  # a few lines: measure before copying anything
            lines = [self._line(n) for n in range(first, last + 1)]
            size = sum(map(len, lines)) - start - (len(lines[-1]) - end)
            if size <= 2 * self.HALF and first == last:
                return self._one_line(lines[0][start:end])
            if size <= 2 * self.HALF:
                return self._one_line(b"\n".join([lines[0][start:], *lines[1:-1], lines[-1][:end]]))
        # copy a bounded amount, even for a node that spans the whole file
        head = self._line(first)[start : start + self.HALF]
        tail = self._line(last)[max(end - self.HALF, 0) : end]
        return self._one_line(head + "…".encode() + tail)

    @staticmethod
    def _one_line(raw: bytes) -> str:
        return " ".join(raw.decode("utf-8", "ignore").split())

    def attribute(self, node: ast.Attribute) -> str:
        """`x.attr` as written; when long, with the attribute whole however long `x` is."""
        whole = self.of(node)
        return whole if "…" not in whole else f"{self.of(node.value)}.{node.attr}"


# --- the checks


class _Checker:
    """One pass over a parsed file, node by node, children first."""

    def __init__(self, tree: ast.Module, source: str) -> None:
        self.tree = tree
        self.text = _Text(source)
        self.called: set[int] = set()  # expressions that are called: func of a Call
        self.decorators: set[int] = set()
        seeds: list[tuple[str, frozenset[Ref]]] = []
        pairs: list[tuple[str, ast.expr]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.called.add(id(node.func))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.decorators.update(id(d) for d in node.decorator_list)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                seeds.extend(_import_refs(node))
            pairs.extend(_assigned(node))
        self.aliases = _aliases(seeds, pairs)
        self.refs: dict[int, frozenset[Ref]] = {}

    def findings(self) -> Iterator[tuple[int, Forbidden]]:
        """(column, finding) for every node, in no particular order."""
        for node in _postorder(self.tree):
            self.refs[id(node)] = _evaluate(node, self.refs, self.aliases)
            for found in self._check(node):
                yield getattr(node, "col_offset", 0), found

    def _check(self, node: ast.AST) -> Iterator[Forbidden]:
        if isinstance(node, ast.Name):
            yield from self._name(node)
        elif isinstance(node, ast.Attribute):
            yield from self._attribute(node)
        elif isinstance(node, ast.Call):
            yield from self._call(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from self._import(node)
        else:
            yield from _identifiers(node)

    def _what(self, node: ast.expr) -> str:
        text = self.text.attribute(node) if isinstance(node, ast.Attribute) else self.text.of(node)
        return f"@{text}" if id(node) in self.decorators else text

    def _passed_around(self, node: ast.expr) -> Iterator[Forbidden]:
        # g = getattr; g(obj, name) would escape the check on its name
        if self.refs[id(node)] & _GETATTR_REFS and id(node) not in self.called:
            yield Forbidden(node.lineno, self._what(node), PASSED)

    def _name(self, node: ast.Name) -> Iterator[Forbidden]:
        name = node.id
        why = None
        if name.startswith(RESERVED_PREFIX):
            why = RESERVED
        elif not isinstance(node.ctx, ast.Store):
            why = _forbidden_ref(self.refs[id(node)], name)
        if why is None and _is_dunder(name) and name not in _DUNDER_NAMES_OK:
            why = DUNDER_NAME
        if why is not None:
            yield Forbidden(node.lineno, self._what(node), why)
        elif not isinstance(node.ctx, ast.Store):
            yield from self._passed_around(node)

    def _attribute(self, node: ast.Attribute) -> Iterator[Forbidden]:
        base = self.refs.get(id(node.value), _NOTHING)
        why = _attribute_why(node.attr, base, self.refs[id(node)])
        if why is not None:
            yield Forbidden(node.lineno, self._what(node), why)
        else:
            yield from self._passed_around(node)

    def _call(self, node: ast.Call) -> Iterator[Forbidden]:
        if not self.refs.get(id(node.func), _NOTHING) & _GETATTR_REFS:
            return
        name = _literal_name(node)
        if name is None:
            if _name_is_computed(node):
                yield Forbidden(node.lineno, self._what(node), COMPUTED)
            return
        base = self.refs.get(id(node.args[0]), _NOTHING)
        why = _attribute_why(name, base, self.refs[id(node)])
        if why is not None:
            yield Forbidden(node.lineno, self._what(node), why)
        else:
            yield from self._passed_around(node)

    def _import(self, node: ast.Import | ast.ImportFrom) -> Iterator[Forbidden]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _module(alias.name, alias.lineno)
        elif node.module is not None:
            yield from _module(node.module, node.lineno)
        for alias in node.names:
            yield from self._imported_name(node, alias)

    def _imported_name(
        self, node: ast.Import | ast.ImportFrom, alias: ast.alias
    ) -> Iterator[Forbidden]:
        if alias.asname is not None and alias.asname.startswith(RESERVED_PREFIX):
            yield Forbidden(alias.lineno, alias.asname, RESERVED)
        if not isinstance(node, ast.ImportFrom) or alias.name == "*":
            return
        module = node.module if node.level == 0 else None
        base = frozenset({(_KINDS[module], "")}) if module in _KINDS else _NOTHING
        why = _attribute_why(alias.name, base, _member(base, alias.name))
        if why is not None:
            what = f"from {'.' * node.level}{node.module or ''} import {alias.name}"
            yield Forbidden(alias.lineno, what, why)


def _name_is_computed(call: ast.Call) -> bool:
    """getattr(obj, name) or getattr(*args): the name isn't there to check."""
    if any(isinstance(a, ast.Starred) for a in call.args[:2]):
        return True
    if len(call.args) >= 2:
        return True  # a second argument, but no string literal
    return any(k.arg is None for k in call.keywords)  # getattr(obj, **names)


def _module(dotted: str, line: int) -> Iterator[Forbidden]:
    """The refused modules: raw memory, native calls, threads, the board's own."""
    parts = dotted.split(".")
    if any(part.startswith(RESERVED_PREFIX) for part in parts):
        yield Forbidden(line, dotted, RESERVED)
    elif parts[0] in _FORBIDDEN_MODULES:
        yield Forbidden(line, dotted, _FORBIDDEN_MODULES[parts[0]])


def _identifiers(node: ast.AST) -> Iterator[Forbidden]:
    """Names a statement or pattern binds that are not Name nodes: reserved ones are refused."""
    line = getattr(node, "lineno", 1)
    if isinstance(node, ast.MatchClass):  # case C(__dict__=d) reads C's attribute
        for name in node.kwd_attrs:
            why = _attribute_why(name, _NOTHING, _NOTHING)
            if why is not None:
                yield Forbidden(line, name, why)
        return
    for name in _bound_names(node):
        if name.startswith(RESERVED_PREFIX):
            yield Forbidden(line, name, RESERVED)


def _bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.keyword, ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        name = node.arg if isinstance(node, ast.keyword) else node.name
        return [name] if name is not None else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest is not None else []
    return []
