"""The `irqlab` command: a table of subcommands, one module each under irqlab.commands.

Every handler is `main(args) -> exit status`; a user error anywhere below raises
IrqlabError, which prints as `irqlab: <what is wrong> (<how to fix>)` and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from irqlab import __version__
from irqlab.errors import IrqlabError

# name -> module in irqlab.commands that has HELP, add_arguments(parser) and main(args)
COMMANDS: dict[str, str] = {
    "list": "list_labs",
    "run": "run",
    "check": "check",
    "hint": "hint",
    "race": "race",
    "grade": "grade",
    "board": "board",
    "dev": "dev",
}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"irqlab.commands.{COMMANDS[name]}")


def commands() -> dict[str, ModuleType]:
    """Every command's module, in table order (an import error is a bug: let it show)."""
    return {name: command_module(name) for name in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="irqlab",
        description="Learn interrupts in MicroPython: labs checked on a simulated or a real board.",
    )
    parser.add_argument("--version", action="version", version=f"irqlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in commands().items():
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # here, where a reader that went away is caught, not at exit
        return code
    except IrqlabError as e:
        print(f"irqlab: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irqlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `irqlab ... | head` stopped reading: end quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
