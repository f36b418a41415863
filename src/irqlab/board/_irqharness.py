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

    _irqsim.configure(cfg, tracer, lambda: _stop_sim(tracer, _irqsim))
    import _irqmachine
    import _irqmp
    import _irqtime

    _irqtime.configure(cfg.get("ticks_ms_start", 0))
    tracer.clock = _irqsim.now_us
    tracer.hold = _irqsim.hold
    tracer.release = _irqsim.release
    tracer.strict = cfg.get("strict_isr", False)
    tracer.on_print = _irqsim.print_bytes
    tracer.stop = lambda reason, exit: _halt_sim(tracer, _irqsim, reason, exit)
    tracer.heap_lock = _irqmp.heap_lock
    tracer.heap_unlock = _irqmp.heap_unlock
    _irqtrace.guard_all(tracer, _irqmp)
    sys.modules["micropython"] = _irqmp
    return _irqmachine, _irqtime, _irqsim.start


def _stop_sim(tracer, sim):
    tracer.stats(sim.high_water)
    tracer.end("scenario", None)
    sim.block_forever()


def _halt_sim(tracer, sim, reason, exit):
    sim.halted = True
    tracer.stats(sim.high_water)
    tracer.end(reason, exit)
    sim.block_forever()


def _exit_code(exc):
    code = exc.args[0] if exc.args else None
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def run_program(folder, main, tracer):
    sys.path.insert(0, folder)
    pr = tracer.print
    if tracer.hold is not None:
        pr = _irqtrace.guard(tracer, pr)
    g = {"__name__": "__main__", "__file__": main, "print": pr}
    try:
        with open(folder + "/" + main) as f:
            src = f.read()
        exec(compile(src, main, "exec"), g)
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
        tracer.emit("out", _irqtrace.format_exception(e))
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
    traced = _irqtrace.traced_time(vtime, tracer)
    sys.modules["time"] = traced
    sys.modules["utime"] = traced
    start()
    code = run_program(cfg["folder"], cfg["main"], tracer)
    tracer.stop("exit", code)


main()
