"""A virtual board: a serial device that speaks MicroPython's REPL, the simulated board behind it.

mpremote connects to it as to a board on USB, through a pty (`/dev/pts/N`) or a
`socket://127.0.0.1:PORT` address. Behind it, the MicroPython unix port runs in a pty of its
own, with the simulated `machine`, `time` and `micropython` installed at boot
(firmware/_irqvboard.py), the lab kit's jumpers in its world (GPIO4 -> GPIO5, and GPIO16 ->
GPIO17 for a second input; on an ESP8266 GPIO12 -> GPIO14) and, for an ESP32,
the RMT peripheral. The unix port answers the friendly REPL, the raw REPL and raw-paste mode
itself. Its Ctrl-C (SIGINT) is asynchronous, unlike a board's, and can leave it hung if it
lands in C code, so a Ctrl-C is raised by the firmware at the program's next call into the
board, as a board raises it at a safe point; SIGINT is the fallback for code that never calls
it. What the port lacks is a soft reset: Ctrl-D at its prompt makes it exit. So the board
starts a fresh interpreter, prints "MPY: soft reboot" and, if the old one was in the raw REPL,
puts the new one there too, as a soft reset on a board does. Files live in a private folder,
the board's filesystem, which is the interpreter's working directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time
import tty
from collections.abc import Iterator
from pathlib import Path

from irqlab.errors import IrqlabError
from irqlab.profiles import profile
from irqlab.runner import BOARD_DIR, micropython_command
from irqlab.scenario import Compiled

FIRMWARE_DIR = Path(__file__).parent / "firmware"
BOOT = "import _irqvboard\n_irqvboard.boot({path!r})\ndel _irqvboard\n"
SIM_DIR = BOARD_DIR / "sim"
HEAP = "512K"  # the harness, a program and the REPL's own needs, like an ESP32's free heap
MAX_QUEUED = 1 << 20  # output held for a slow client; past this the oldest is dropped
RAW_BANNER = b"raw REPL; CTRL-B to exit"
FRIENDLY_BANNER = b'Type "help()" for more information.'
SOFT_REBOOT = b"MPY: soft reboot\r\n"
BOOT_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1
INTERRUPT_S = 2.0  # how long a Ctrl-C may take to reach the program
SIGINT_AFTER_S = 0.5  # a program that calls no board API by then gets a SIGINT instead
INTERRUPT_POLL_S = 0.02
AGAIN_AFTER_S = 0.005


def _raw_with_signals(fd: int) -> None:
    """Raw mode, except that Ctrl-C still raises SIGINT while a program runs (as the
    unix port restores this mode when it executes code)."""
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] |= termios.ISIG
    cc = attrs[6]
    cc[termios.VINTR] = b"\x03"
    for name in ("VQUIT", "VSUSP", "VDSUSP"):
        if hasattr(termios, name):
            cc[getattr(termios, name)] = b"\x00"
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def _child_setup() -> None:
    # The interpreter's pty is its controlling terminal (so Ctrl-C reaches it as SIGINT),
    # and it dies with the board.
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class VirtualBoard:
    """The board: its interpreter, its filesystem and the line to one client at a time."""

    def __init__(
        self,
        board: str = "esp32",
        fs: Path | None = None,
        jumper: bool = True,
        second_jumper: bool = True,
    ) -> None:
        self.profile = profile(board)
        self._tmp = Path(tempfile.mkdtemp(prefix="irqlab-board-"))
        self.fs = Path(fs) if fs is not None else self._tmp / "fs"
        self.fs.mkdir(parents=True, exist_ok=True)
        self.boot_config = self._tmp / "boot.json"
        self._kbd_file = self._tmp / "kbd_intr"
        self._again_file = self._tmp / "sigint_again"
        self._ctrl_c_file = self._tmp / "ctrl_c"
        self._ctrl_c_at = 0.0  # when the pending Ctrl-C was asked for (0: none pending)
        self.boot_config.write_text(json.dumps(self._boot(board, jumper, second_jumper)))
        self.child: subprocess.Popen[bytes] | None = None
        self.child_fd = -1
        self.raw = False  # the interpreter is in the raw REPL
        self._tail = b""
        self._booting_raw = False  # swallowing a fresh interpreter's banner
        self._boot_out = b""
        self._boot_deadline = 0.0
        self.pending_in = bytearray()  # from the client, while the interpreter restarts
        self._paste = False  # the client is sending code in raw-paste mode
        # Code sent in raw-paste mode: 1 sent, 2 running (its ^D acknowledged), 0 ended.
        self._paste_exec = 0
        self._interrupt_until = 0.0  # a Ctrl-C is on its way to the program until then
        self._started = False
        self.out = bytearray()  # to the client
        self.client_fd = -1
        self.stopping = False
        self._sel = selectors.DefaultSelector()
        self._pty_master = -1
        self._pty_slave = -1
        self._listener: socket.socket | None = None
        self._client_sock: socket.socket | None = None

    def _boot(self, board: str, jumper: bool, second_jumper: bool) -> dict[str, object]:
        main, second = self.profile.jumpers
        links = [main] if jumper else []
        links += [second] if second_jumper else []
        self.wired = links
        return {
            "profile": self.profile.to_board(),
            "world": Compiled([], {}, links, []).to_board(),
            "duration_us": 10 * 24 * 3600 * 1_000_000,  # the world never ends
            "rmt": board == "esp32",
            "path": [str(SIM_DIR), str(FIRMWARE_DIR)],
            "kbd_file": str(self._kbd_file),
            "again_file": str(self._again_file),
            "ctrl_c_file": str(self._ctrl_c_file),
        }

    # --- the line to the client ---
    def open_pty(self) -> str:
        """A pty for the client; its path is what `mpremote connect` takes."""
        self._pty_master, self._pty_slave = os.openpty()
        tty.setraw(self._pty_slave)  # held open: the line stays up between clients
        os.set_blocking(self._pty_master, False)
        self.client_fd = self._pty_master
        self._sel.register(self._pty_master, selectors.EVENT_READ, "client")
        return os.ttyname(self._pty_slave)

    def listen(self, port: int = 0) -> str:
        """A TCP socket on the loopback for one client at a time: socket://127.0.0.1:PORT."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as e:
            raise IrqlabError(
                f"can't listen on port {port}: {e.strerror}", "pick another port"
            ) from None
        sock.listen(1)
        sock.setblocking(False)
        self._listener = sock
        self._sel.register(sock, selectors.EVENT_READ, "listen")
        return f"socket://127.0.0.1:{sock.getsockname()[1]}"

    def _accept(self) -> None:
        assert self._listener is not None
        conn, _ = self._listener.accept()
        if self._client_sock is not None:  # one client at a time, as a serial port
            conn.close()
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client_sock = conn
        self.client_fd = conn.fileno()
        self._sel.register(conn, selectors.EVENT_READ, "client")

    def _drop_client(self) -> None:
        if self._client_sock is None:
            return
        self._sel.unregister(self._client_sock)
        self._client_sock.close()
        self._client_sock = None
        self.client_fd = -1
        self.out.clear()

    # --- the interpreter ---
    def _spawn(self, raw: bool) -> None:
        master, slave = os.openpty()
        _raw_with_signals(slave)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROPY")}
        env["MICROPYPATH"] = f"{SIM_DIR}:{FIRMWARE_DIR}:.frozen"
        boot = BOOT.format(path=str(self.boot_config))
        cmd = [*micropython_command(), "-X", f"heapsize={HEAP}", "-i", "-c", boot]
        self.child = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, cwd=self.fs, env=env,
            preexec_fn=_child_setup, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        os.set_blocking(master, False)
        self.child_fd = master
        self._sel.register(master, selectors.EVENT_READ, "child")
        self._booting_raw = raw
        self._paste, self._paste_exec = False, 0
        self._interrupt_until = 0.0
        self._cancel_ctrl_c()
        self._started = False  # until its first prompt, a SIGINT would kill it
        self._kbd_file.unlink(missing_ok=True)
        self._boot_out = b""
        self._boot_deadline = time.monotonic() + BOOT_TIMEOUT_S
        self.raw = raw
        if not raw:
            self._send_pending()

    def _reap(self) -> None:
        self._sel.unregister(self.child_fd)
        os.close(self.child_fd)
        self.child_fd = -1
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.child.pid, signal.SIGKILL)
            self.child.wait()
            self.child = None

    def _soft_reset(self) -> None:
        # The interpreter exited (Ctrl-D, sys.exit, a crash): a fresh one, as a soft reset.
        raw = self.raw
        self._reap()
        self._to_client(SOFT_REBOOT)
        self._spawn(raw)

    def _from_child(self, data: bytes) -> None:
        if self._booting_raw:
            self._boot_out += data
            if self._boot_out.endswith(b">>> ") or time.monotonic() > self._boot_deadline:
                # On a board, a soft reset in the raw REPL shows only boot.py's output.
                lines = self._boot_out.split(b"\r\n")
                kept = [ln for ln in lines[:-1] if not ln.startswith((b"MicroPython ", b"Type "))]
                self._to_client(b"".join(ln + b"\r\n" for ln in kept))
                self._booting_raw = False
                os.write(self.child_fd, b"\x01")
                self._send_pending()
            return
        seen = self._tail + data
        if seen.endswith((b">>> ", b"CTRL-B to exit\r\n>")):
            self._started = True
        raw_at, friendly_at = seen.rfind(RAW_BANNER), seen.rfind(FRIENDLY_BANNER)
        if raw_at >= 0 or friendly_at >= 0:
            self.raw = raw_at > friendly_at
        if self._paste_exec and b"\x04" in data:
            self._paste_exec = 0 if self._paste_exec == 2 or data.count(b"\x04") > 1 else 2
        if not self._executing():
            self._interrupt_until = 0.0
            self._cancel_ctrl_c()  # not for whatever runs next
        self._tail = seen[-40:]
        self._to_client(data)

    def _to_child(self, data: bytes) -> None:
        if self.raw:
            self._track_paste(data)
        if b"\x03" in data and self._executing() and self._interrupts_on():
            data = data.replace(b"\x03", b"")
            self._interrupt_until = time.monotonic() + INTERRUPT_S
            self._ask_ctrl_c()
        self.pending_in += data
        if self.child_fd >= 0 and not self._booting_raw:
            self._send_pending()

    def _track_paste(self, data: bytes) -> None:
        # Raw-paste mode: the client sends ^E A ^A, then the code, then ^D; the code runs.
        start = data.find(b"\x05A\x01")
        if start >= 0:
            self._paste = True
        if self._paste and data.find(b"\x04", start + 3 if start >= 0 else 0) >= 0:
            self._paste, self._paste_exec = False, 1

    def _executing(self) -> bool:
        # The unix port runs code sent in raw-paste mode with its terminal still raw (so a
        # Ctrl-C would be a byte nobody reads); otherwise its terminal takes signals while
        # code runs and is raw at a prompt.
        if self._paste_exec:
            return True
        if not self._started:
            return False
        try:
            return bool(termios.tcgetattr(self.child_fd)[3] & termios.ISIG)
        except (termios.error, OSError):
            return False

    def _ask_ctrl_c(self) -> None:
        # As a board's UART does: KeyboardInterrupt in the program, at a safe point. The
        # firmware raises it at the program's next call into the board (_irqvboard._CtrlC);
        # a program that makes none gets a SIGINT (see _sigint_fallback).
        if self._ctrl_c_file.exists():
            return  # still pending: its age decides when a SIGINT takes over
        self._ctrl_c_file.write_bytes(b"")
        self._ctrl_c_at = time.monotonic()

    def _cancel_ctrl_c(self) -> None:
        self._ctrl_c_file.unlink(missing_ok=True)
        self._ctrl_c_at = 0.0

    def _sigint_fallback(self) -> None:
        # The unix port's SIGINT is asynchronous: it can leave the interpreter broken if it
        # lands in C code (the GC with its lock held), so it is the last resort, for code
        # that never calls the board (a bare `while True: pass`).
        if not self._ctrl_c_at or time.monotonic() - self._ctrl_c_at < SIGINT_AFTER_S:
            return
        if not self._ctrl_c_file.exists():  # the firmware took it
            self._ctrl_c_at = 0.0
            return
        self._cancel_ctrl_c()
        self._again_file.unlink(missing_ok=True)
        if self._executing():
            self._interrupt()

    def _interrupt(self) -> None:
        # What a board's UART does with a Ctrl-C: KeyboardInterrupt in the running program.
        # (Only while code runs: at a prompt the unix port dies of a SIGINT, and of a second
        # one before the first is handled; so a SIGINT is sent again only when asked.)
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child.pid, signal.SIGINT)

    def _asked_again(self) -> bool:
        # The interpreter caught a Ctrl-C in the sim's clock and asks for another; give it
        # a moment to leave the handler that asked.
        try:
            return time.time() - self._again_file.stat().st_mtime > AGAIN_AFTER_S
        except OSError:
            return False

    def _interrupts_on(self) -> bool:
        try:
            return self._kbd_file.read_text().strip() == "3"
        except OSError:
            return True

    def _send_pending(self) -> None:
        while self.pending_in and self.child_fd >= 0:
            try:
                n = os.write(self.child_fd, self.pending_in)
            except BlockingIOError:
                return
            del self.pending_in[:n]

    def _to_client(self, data: bytes) -> None:
        if self.client_fd < 0:
            return  # nobody on the line: like a UART, the output is gone
        self.out += data
        if len(self.out) > MAX_QUEUED:
            del self.out[: len(self.out) - MAX_QUEUED]
        self._flush_client()

    def _flush_client(self) -> None:
        while self.out and self.client_fd >= 0:
            try:
                n = os.write(self.client_fd, self.out)
            except BlockingIOError:
                return
            except OSError:
                self._drop_client()
                return
            del self.out[:n]

    # --- the loop ---
    def serve_forever(self) -> None:
        parent = os.getppid()
        self._spawn(raw=False)
        while not self.stopping:
            waiting = time.monotonic() < self._interrupt_until
            if waiting:
                self._sigint_fallback()
            if waiting and self._asked_again():
                self._again_file.unlink(missing_ok=True)
                if self._executing():
                    self._interrupt()
            for key, _ in self._sel.select(timeout=INTERRUPT_POLL_S if waiting else 0.2):
                self._event(key.data, key.fd)
            self._flush_client()
            self._send_pending()
            if self._booting_raw and time.monotonic() > self._boot_deadline:
                self._from_child(b"")
            if os.getppid() != parent:
                self.stopping = True  # whoever started the board is gone

    def _event(self, what: str, fd: int) -> None:
        if what == "listen":
            self._accept()
            return
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if what == "child":
            if data:
                self._from_child(data)
            else:
                self._soft_reset()
        elif data:
            self._to_child(data)
        elif self._client_sock is not None:
            self._drop_client()

    def close(self) -> None:
        if self.child_fd >= 0:
            self._reap()
        self._drop_client()
        for fd in (self._pty_master, self._pty_slave):
            if fd >= 0:
                os.close(fd)
        if self._listener is not None:
            self._listener.close()
        self._sel.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def serve(
    board: str,
    port: int | None,
    fs: Path | None,
    jumper: bool,
    announce: bool,
    second_jumper: bool = True,
) -> None:
    """Run a virtual board until SIGTERM, SIGINT or SIGHUP; print its address first."""
    vb = VirtualBoard(board, fs, jumper, second_jumper)

    def stop(signum: int, frame: object) -> None:
        vb.stopping = True

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        address = vb.listen(port) if port is not None else vb.open_pty()
        print(address, flush=True)
        if announce:
            wires = ", ".join(f"GPIO{a} -> GPIO{b}" for a, b in vb.wired)
            print(
                f"irqlab: a virtual {board.upper()} is at {address} with the lab kit wired "
                f"({wires or 'no jumper'}); try `mpremote connect {address} repl`; Ctrl-C here "
                "stops it",
                file=sys.stderr,
                flush=True,
            )
        vb.serve_forever()
    finally:
        vb.close()


class Server:
    """`irqlab board serve` in a child process, for tests and scripts."""

    def __init__(
        self,
        board: str = "esp32",
        socket_port: int | None = None,
        jumper: bool = True,
        second_jumper: bool = True,
    ):
        cmd = [sys.executable, "-m", "irqlab", "board", "serve", "--board", board, "--quiet"]
        if socket_port is not None:
            cmd += ["--socket", str(socket_port)]
        if not jumper:
            cmd.append("--no-jumper")
        if not second_jumper:
            cmd.append("--no-second-jumper")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout=BOOT_TIMEOUT_S)
        sel.close()
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.stop()
            raise IrqlabError(
                "the virtual board did not start", "run `irqlab board serve` to see why"
            )
        self.address = line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(board: str = "esp32", **kwargs: object) -> Iterator[str]:
    """The address of a virtual board that stops when the block ends."""
    with Server(board, **kwargs) as server:  # type: ignore[arg-type]
        yield server.address
