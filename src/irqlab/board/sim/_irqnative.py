# Pin.value() on the quiet sim in machine code: _irqtrace.quiet_value, the same
# function, compiled by the port's native emitter (2x faster: the polling loop's hot
# path). Where the port has no native emitter this file does not compile, and the sim
# uses _irqtrace's. It is loaded from source, never precompiled, so the port that runs
# it is the one that compiles it. Nothing in its globals leads to the simulator: the
# program can reach them (a function's __globals__), and finds this factory alone.


def quiet_value(tr, pins, board, live_value, IN, NO):
    counter, units, catch_up, levels, links, counters, board_write, state = board

    @micropython.native  # noqa: F821  (a compile-time directive of MicroPython's)
    def value(self, x=NO):
        if counter[0] >= counter[3]:  # something is due once this call is charged
            if not state[0]:  # live: a bound method taken before, the guarded path
                return live_value(self, x)
            counter[0] += units
            catch_up()
        else:
            counter[0] += units
        pid = self._id
        if x is NO:
            return levels[pid]
        level = 1 if x else 0
        if level != self._written:  # a write that changes nothing is not news
            self._written = level
            tr.emit("write", pid, level)
        p = pins[pid]
        if pid in links or pid in counters:  # a jumper or a counter follows it
            board_write(p, level)
        else:
            p.out = level
            if p._mode is not None and p._mode != IN:
                levels[pid] = level
        return None

    return value
