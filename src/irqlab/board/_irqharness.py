# Runs a program on the board under a scenario and streams its trace.
# Usage (unix port): micropython _irqharness.py - < CONFIG.json
# On a board (config "target": "board") the host sets sys.argv and imports it.
# Same file on every target; only the `machine` underneath differs.
import json
import sys

import _irqtrace


def _load(path):
    # "-": the config comes on stdin, drained here, so the program can't read it back.
    if path == "-":
        return json.loads(sys.stdin.read())
    with open(path) as f:
        return json.load(f)


def _install_sim(cfg, tracer):
    import _irqsim

    _irqsim.configure(
        cfg,
        tracer,
        lambda: _stop_sim(tracer, _irqsim),
        lambda reason, what: _halt_sim(tracer, _irqsim, reason, what),
        _asker(tracer, cfg["world_fd"], cfg["max_window"]),
        cfg["lookahead_ns"],
    )
    import _irqmachine
    import _irqmp
    import _irqtime

    _irqtime._configure(cfg.get("ticks_ms_start", 0))
    tracer.clock = _irqsim.now_us
    tracer.where = _irqsim.where
    tracer.bare = lambda e: _locked_heap_error(e) and _irqsim.emergency_buf < 52
    tracer.hold = _irqsim.hold
    tracer.release = _irqsim.release
    tracer.strict = cfg.get("strict_isr", False)
    tracer.on_print = _irqsim.print_bytes
    tracer.stop = lambda reason, exit: _halt_sim(tracer, _irqsim, reason, exit)
    tracer.heap_lock = _irqmp.heap_lock
    tracer.heap_unlock = _irqmp.heap_unlock
    _irqtrace.guard_all(tracer, _irqmp)
    sys.modules["micropython"] = _irqtrace.public(_irqmp)
    metering = _irqtrace.meter(_irqsim.counter, _irqsim.catch_up)
    return _irqmachine, _irqtime, lambda: _irqsim.start(metering)


def _asker(tracer, fd, max_window):
    # The host holds the world (irqlab.feed): ask(upto) asks it for the edges up to `upto`
    # ns (plus its lookahead), and returns at once; take() reads the answer, which comes
    # on its own pipe, packed, at most max_window edges. The board asks ahead, before it
    # needs the window, so that the host's answer is usually waiting when it does.
    # Each answer is read into the same two buffers (the board has spent the last window
    # when it takes the next): a storm's windows cost the heap nothing, and never
    # fragment it.
    import struct
    from array import array

    pipe = open(fd, "rb")
    times = array("q", bytearray(8 * max_window))
    codes = bytearray(max_window)
    head = bytearray(12)

    def read_into(view, size):
        # A blocking stream's readinto reads until the buffer is full (py/stream.c
        # mp_stream_rw), or returns short at the end of the stream.
        if pipe.readinto(view) != size:
            raise SystemExit(3)  # the host went away

    def ask(upto):
        tracer.want(upto)

    def take():
        read_into(head, 12)
        horizon, n = struct.unpack("<qI", head)
        read_into(memoryview(times)[:n], 8 * n)
        read_into(memoryview(codes)[:n], n)
        return horizon, times, memoryview(codes)[:n]

    return ask, take


def _install_asyncio(tracer):
    # asyncio on board time: its loop waits in our select.poll, and its task queue
    # reads our ticks_ms (the C _asyncio stamps tasks with the host's real clock).
    import _irqasyncio
    import _irqselect

    _irqtrace.guard_all(tracer, _irqselect, (_irqselect._Poll,))
    select = _irqtrace.public(_irqselect)
    sys.modules["select"] = select
    sys.modules["uselect"] = select
    sys.modules["_asyncio"] = _irqtrace.public(_irqasyncio)


def _board_esp32(cfg):
    # The board's esp32 module: the chip's own, or on the sim the simulated one (ESP32).
    if cfg.get("target") != "board":
        if not cfg["profile"]["pcnt_units"]:
            return None
        import _irqesp32

        return _irqesp32
    try:
        import esp32
    except ImportError:  # an ESP8266
        return None
    return esp32


def _locked_heap_error(e):
    return isinstance(e, MemoryError) and e.args == ("memory allocation failed, heap is locked",)


def _stop_sim(tracer, sim):
    tracer.stats(sim.high_water)
    tracer.end("scenario", None)
    sim.block_forever()


def _halt_sim(tracer, sim, reason, exit):
    sim.halted = True
    tracer.stats(sim.high_water)
    if reason in ("tamper", "forbidden"):  # `exit` says what the program did
        tracer.emit(reason, exit)
        exit = None
    elif reason == "reset":  # `exit` is what the chip prints as it resets
        tracer.emit("out", exit + "\n")
        exit = None
    tracer.end(reason, exit)
    sim.block_forever()


def _seal(hardened):
    # The board's modules leave the program's reach: nothing in sys.modules leads to
    # the simulator. Graded programs also lose what could reach raw memory or run
    # code the host never checked (irqlab.harden refuses the same on the host).
    for name in list(sys.modules):
        if name.startswith("_irq"):
            del sys.modules[name]
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    for folder in (here, here + "/sim"):  # and no fresh copy of them can be imported
        while folder in sys.path:
            sys.path.remove(folder)
    if hardened:
        import builtins

        for name in _UNCHECKED:
            setattr(builtins, name, None)  # the name, as the program's code looks it up
        sys.modules["builtins"] = _irqtrace.public(builtins, _UNCHECKED)  # and `import builtins`
        import os

        sys.modules["os"] = _irqtrace.public(os, ("system",))
        for name in ("uctypes", "ffi", "_thread"):
            sys.modules[name] = None


_UNCHECKED = ("exec", "eval", "compile")  # they run code the host never checked


def _exit_code(exc):
    code = exc.args[0] if exc.args else None
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def run_program(cfg, tracer):
    folder = cfg["folder"]
    main = cfg["main"]
    hardened = cfg.get("hardened", False)
    sys.path.insert(0, folder)
    if cfg.get("path") and not hardened:
        sys.path.insert(1, cfg["path"])  # what the host did not stage
    pr = tracer.print
    if tracer.hold is not None:
        pr = _irqtrace.guard(tracer, pr)
    g = {"__name__": "__main__", "__file__": main, "print": pr}
    import builtins

    for name in ("_irq_c", "_irq_k", "_irq_l"):  # the instrumented program's, found first here
        if hasattr(builtins, name):
            g[name] = getattr(builtins, name)
    run = exec
    try:
        with open(folder + "/" + main if folder else main) as f:
            code = compile(f.read(), main, "exec")
        _seal(hardened)
        run(code, g)
        return 0
    except SystemExit as e:
        return _exit_code(e)
    except BaseException as e:  # the program's own error: record it as the port shows it
        if tracer.hold is None:
            _irqtrace.unlock_heap()
        else:
            tracer.hold()  # the program is over: the board's code from here on
        g = None
        tracer.exception(e, "main")
        tracer.emit("out", _irqtrace.format_exception(e, tracer.bare(e)))
        return 1


def main():
    cfg = _load(sys.argv[1])
    sys.argv[:] = []  # as on a board
    tracer = _irqtrace.Tracer(cfg["nonce"], lambda: 0, cfg["max_output"])
    if cfg.get("target") == "board":  # a chip's own machine (irqlab.serial)
        import _irqboard

        machine, vtime, start = _irqboard.install(cfg, tracer)
    else:
        machine, vtime, start = _install_sim(cfg, tracer)
    sys.modules["machine"] = _irqtrace.traced_machine(machine, tracer)
    esp32 = _board_esp32(cfg)
    if esp32 is not None:
        sys.modules["esp32"] = _irqtrace.traced_esp32(esp32, tracer, sys.modules["machine"].Pin)
    traced = _irqtrace.traced_time(vtime, tracer)
    sys.modules["time"] = traced
    sys.modules["utime"] = traced
    if cfg.get("target") != "board":
        _install_asyncio(tracer)  # after time: asyncio reads its clock from there
    start()
    code = run_program(cfg, tracer)
    tracer.stop("exit", code)


main()
