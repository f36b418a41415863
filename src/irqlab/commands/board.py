"""Boards: `serve` starts a virtual board that mpremote (and `irqlab check --port`) can talk
to, the simulated board behind a serial line; `check` tests a real board for irqlab: that it
answers, runs MicroPython on an ESP32 or ESP8266, and has the lab kit's jumper wires (GPIO4 ->
GPIO5, and the second input's: GPIO16 -> GPIO17, on an ESP8266 GPIO12 -> GPIO14), one line
each."""

from __future__ import annotations

import argparse
from pathlib import Path

from irqlab.profiles import PROFILES

HELP = "a virtual board for mpremote (serve), or a test of a real board (check)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = sub.add_parser(
        "serve",
        help="start a virtual board and print its address for mpremote",
        description="Start a virtual board and print its address: a pty such as /dev/pts/3, or "
        "with --socket a socket://127.0.0.1:PORT address. `mpremote connect ADDRESS` and "
        "`irqlab check N --port ADDRESS` use it. It runs until Ctrl-C.",
    )
    serve.add_argument("--board", choices=sorted(PROFILES), default="esp32")
    serve.add_argument(
        "--socket", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of a pty"
    )
    serve.add_argument(
        "--fs",
        type=Path,
        metavar="DIR",
        help="keep the board's files in DIR (default: a temporary folder)",
    )
    serve.add_argument(
        "--no-jumper", action="store_true", help="leave the jumper GPIO4 -> GPIO5 off"
    )
    serve.add_argument(
        "--no-second-jumper",
        action="store_true",
        help="leave the second input's jumper off (GPIO16 -> GPIO17; ESP8266: GPIO12 -> GPIO14)",
    )
    serve.add_argument("--quiet", action="store_true", help="print only the address")
    check = sub.add_parser(
        "check",
        help="test a board: it answers, its firmware, the lab kit's jumper wires",
        description="Test a board for irqlab: that it answers on PORT, runs MicroPython on an "
        "ESP32 or ESP8266, and has the lab kit's jumper wires, GPIO4 to GPIO5 and the second "
        "input's (GPIO16 to GPIO17; on an ESP8266 GPIO12 to GPIO14), saying which is missing.",
    )
    check.add_argument("--port", required=True, metavar="PORT", help="e.g. /dev/ttyUSB0")


def main(args: argparse.Namespace) -> int:
    if args.action == "serve":
        from irqlab.serial.vboard import serve

        serve(
            args.board,
            args.socket,
            args.fs,
            not args.no_jumper,
            not args.quiet,
            second_jumper=not args.no_second_jumper,
        )
        return 0
    from irqlab.serial.target import self_test

    for line in self_test(args.port):
        print(line, flush=True)
    return 0
