"""The serial line to a board: mpremote's SerialTransport, with a deadline on every step.

mpremote has no timeouts of its own where it matters (a board that never answers blocks it),
and it prints what it could not parse to stdout; this wrapper bounds every wait, keeps
mpremote quiet, and turns every failure into a SetupError: a problem with the board, its
cable or its wiring, which the student is never blamed for.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator

from irqlab.errors import IrqlabError

ANSWER_S = 5.0  # a board at its REPL answers well within this
READ_S = 2.0  # the longest a single read of the line may block
RESET_FIX = (
    "press the board's reset button (EN or RST), close any other program using the port "
    "(Thonny, a serial monitor, another mpremote), then try again"
)


class SetupError(IrqlabError):
    """The board, its cable, its firmware or its wiring: not the student's program."""


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    # mpremote prints raw bytes it did not expect; keep them for the message instead.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        yield out


class Line:
    """One open connection to the board at `port`."""

    def __init__(self, port: str) -> None:
        from mpremote.transport import TransportError
        from mpremote.transport_serial import SerialTransport

        self.port = port
        self._error = TransportError
        try:
            with _quiet():
                self.t = SerialTransport(port, baudrate=115200, timeout=READ_S)
        except (TransportError, OSError, ValueError) as e:
            raise SetupError(
                f"can't open the board at {port} ({_reason(e)})",
                "check the port name (`mpremote devs` lists the boards plugged in) and "
                "that no other program is using it",
            ) from None
        self.serial = self.t.serial

    def close(self) -> None:
        """Leave the board at its friendly REPL, as a person (or mpremote) expects it."""
        with contextlib.suppress(Exception), _quiet():
            if self.t.in_raw_repl:
                self.t.exit_raw_repl()
        with contextlib.suppress(Exception), _quiet():
            self.t.close()

    def __enter__(self) -> Line:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the REPL ---
    def raw_repl(self, attempts: int = 3) -> None:
        """A freshly soft-reset interpreter in the raw REPL; a busy board is interrupted."""
        seen = ""
        for _ in range(attempts):
            try:
                with _quiet() as out:
                    self.t.enter_raw_repl(soft_reset=True, timeout_overall=ANSWER_S)
                return
            except (self._error, OSError) as e:
                seen = out.getvalue().strip()[-120:] or _reason(e)
                self.interrupt()
        raise SetupError(
            f"the board at {self.port} does not answer as MicroPython (last seen: {seen!r})",
            RESET_FIX,
        )

    def interrupt(self, times: int = 2) -> None:
        for _ in range(times):
            self.write(b"\r\x03")
            time.sleep(0.2)
        self.drain()

    def exec(self, code: str, timeout_s: float = ANSWER_S) -> str:
        """Run `code` in the raw REPL; its output, or a SetupError with its error."""
        try:
            with _quiet():
                out, err = self.t.exec_raw(code, timeout=timeout_s)
        except (self._error, OSError) as e:
            raise self._lost(e) from None
        if err:
            last = err.decode(errors="replace").strip().splitlines()[-1:]
            raise SetupError(
                f"the board at {self.port} failed: {last[0] if last else 'no message'}",
                _fix_for(last[0] if last else ""),
            )
        return str(out.decode(errors="replace"))

    def write_file(self, path: str, data: bytes) -> None:
        try:
            with _quiet():
                self.t.fs_writefile(path, data, chunk_size=1024)
        except (self._error, OSError) as e:
            raise SetupError(
                f"can't write {path} on the board ({_reason(e)})", _fix_for(str(e))
            ) from None

    def start(self, code: str) -> None:
        """Run `code` without waiting for it: read its output with read()."""
        try:
            with _quiet():
                self.t.exec_raw_no_follow(code)
        except (self._error, OSError) as e:
            raise self._lost(e) from None

    def _lost(self, e: BaseException) -> SetupError:
        return SetupError(f"the board at {self.port} stopped answering ({_reason(e)})", RESET_FIX)

    # --- the raw line ---
    def read(self, wait_s: float) -> bytes:
        """What the board sent, waiting up to `wait_s` for the first byte."""
        try:
            waiting = self.serial.in_waiting
            if waiting:
                return bytes(self.serial.read(waiting))
            self.serial.timeout = max(0.01, min(wait_s, READ_S))
            first = bytes(self.serial.read(1))
            waiting = self.serial.in_waiting
            return first + (bytes(self.serial.read(waiting)) if waiting else b"")
        except OSError as e:
            raise SetupError(
                f"lost the board at {self.port} ({_reason(e)})", "check the USB cable"
            ) from None
        finally:
            self.serial.timeout = READ_S

    def read_until(self, ending: bytes, timeout_s: float) -> bytes | None:
        data = b""
        deadline = time.monotonic() + timeout_s
        while not data.endswith(ending):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            data += self.read(min(left, 0.2))
        return data

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.serial.write(data)

    def drain(self) -> None:
        while self.read(0.05):
            pass


def _reason(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[-1][:160]


def _fix_for(message: str) -> str:
    if "MemoryError" in message or "ENOSPC" in message or "28" in message.split(":")[-1]:
        return (
            "the board is short of memory or flash: remove big files from it "
            "(`mpremote fs ls`), soft-reset it and try again"
        )
    return RESET_FIX
