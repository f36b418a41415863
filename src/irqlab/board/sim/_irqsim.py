# The simulated board's core: a virtual clock, the world's pins, and the ESP32
# scheduler queue. Runs inside the MicroPython unix port.
#
# Time never comes from the wall clock. It moves by sleeps, and by the cost model:
# a fixed cost per VM pending check (measured by `tick`, a callback that keeps
# itself scheduled with the real scheduler, so it runs once per pending check of
# the main thread) and per call into `machine`/`time`. Same program, same world,
# same trace, on any machine.
import time as _rtime

import micropython as _ump

_sched = _ump.schedule

now = 0  # virtual nanoseconds since the scenario started
end = 0  # when the scenario ends
next_due = 0  # the earliest of: next world edge, next timer event, the end
# The modelled MICROPY_SCHEDULER queue: a ring of `depth` slots, preallocated so that
# queueing allocates nothing (it happens inside an ISR, maybe with the heap locked).
q_func = []
q_arg = []
q_head = 0
q_len = 0
depth = 8
busy = 0  # > 0 while the board's own code runs (simulator, tracing): free, no callbacks
in_cb = 0  # > 0 while a callback runs: the scheduler is locked, as on the board
high_water = 0  # the most callbacks the queue ever held
masked = 0  # > 0 between disable_irq() and the matching enable_irq()
latched = []  # IRQ sources that fired while masked (one latch per source)
halted = False

_et = None  # world edges, sorted: times in us (array 'i')
_ec = None  # and pin * 2 + level (bytearray)
_en = 0
_ei = 0
timers = []  # armed virtual timers (objects with .due, .fire())
pins = {}  # pin id -> the machine.Pin object the program configured
drive = {}  # pin id -> level driven from outside (world or a jumper)
links = {}  # source pin id -> [target pin ids] (the lab kit's jumper)
profile = {}
cost = {}
tracer = None
_stop = None  # called when the scenario ends; never returns

C_CHECK = 0
C_CALL = 0
C_IRQ = 0
freq = 0  # CPU frequency: costs are given at the profile's reference frequency
quiet = 0  # the last part of a sleep, in ns, in which the port runs no callbacks
uart_free = 0  # when the UART's TX FIFO will have sent its last byte
BYTE_NS = 0
FIFO = 0


def configure(cfg, trace, stop):
    global end, depth, profile, cost, tracer, _stop, quiet, BYTE_NS, FIFO
    profile = cfg["profile"]
    cost = profile["cost_ns"]
    set_freq(profile["freq"])
    quiet = profile["sleep_quiet_ns"]
    BYTE_NS = profile["uart_byte_ns"]
    FIFO = profile["uart_fifo"]
    depth = profile["depth"]
    for _ in range(depth):
        q_func.append(None)
        q_arg.append(None)
    world = cfg["world"]
    end = cfg["duration_us"] * 1000
    _load_edges(world["edges"])
    for spec in world.get("waves", ()):
        w = _Wave(spec)
        if w.due < w.stop:
            timers.append(w)
    for k, v in world["idle"].items():
        drive[int(k)] = v
    for src, dst in world["links"]:
        links.setdefault(src, []).append(dst)
    tracer = trace
    _stop = stop
    _plan()


def _load_edges(packed):
    global _et, _ec, _en
    from array import array
    from binascii import a2b_base64

    _et = array("i", bytearray(a2b_base64(packed["t_us"])))
    _ec = bytearray(a2b_base64(packed["code"]))
    _en = len(_ec)


class _Wave:
    # A signal generator: its edges are made as they come due, like a timer's.
    def __init__(self, spec):
        self.pin, self.start, self.period, self.high, self.stop, self.idle = spec
        self.due = self.start
        self.rising = True

    def fire(self):
        if self.rising:
            set_input(self.pin, 1 - self.idle, self.due)
            self.due += self.high
        else:
            set_input(self.pin, self.idle, self.due)
            self.start += self.period
            self.due = self.start
            if self.due >= self.stop:
                timers.remove(self)
        self.rising = not self.rising


def set_freq(hz):
    global freq, C_CHECK, C_CALL, C_IRQ
    freq = hz
    ref = profile["ref_hz"]
    C_CHECK = cost["check"] * ref // hz
    C_CALL = cost["call"] * ref // hz
    C_IRQ = cost["irq"] * ref // hz


def start():
    _sched(tick, None)


def now_us():
    return now // 1000


def tick(_):
    # One VM pending check of the main thread.
    global now
    _sched(tick, None)
    # Inside a callback the real scheduler is locked, so a callback run from here gets
    # no ticks: a callback's own Python costs nothing, wherever it was started from
    # (its calls into the board and its sleeps do).
    if busy or in_cb or halted:
        return
    now += C_CHECK
    if now >= next_due:
        _deliver()
    if q_len and not in_cb:
        _run_one()


def hold():
    # Entering the board's own code (an API call, the tracing layer): its Python
    # stands in for the port's C, so its pending checks cost nothing and run no
    # callbacks, and it works with the program's heap lock lifted. The call's cost
    # is charged explicitly.
    global busy
    busy += 1
    if heap_real:
        _unlock_real()


def release():
    # No branch may follow the decrement: it would be a pending check of the program.
    global busy
    if busy == 1 and heap_real != heap_depth:
        _lock_real()
    busy -= 1


# The program's heap lock: heap_depth is what the program asked for; heap_real is
# how deep the real heap is locked now (0 while the board's own code runs).
heap_depth = 0
heap_real = 0


def heap_lock():
    global heap_depth
    heap_depth += 1
    if not busy:
        _lock_real()


def heap_unlock():
    global heap_depth, heap_real
    if heap_depth > 0:
        heap_depth -= 1
    if heap_real > heap_depth:
        _ump.heap_unlock()
        heap_real -= 1
    return heap_depth


def _lock_real():
    global heap_real
    while heap_real < heap_depth:
        _ump.heap_lock()
        heap_real += 1


def _unlock_real():
    global heap_real
    while heap_real > 0:
        _ump.heap_unlock()
        heap_real -= 1


def charge(ns):
    # The cost of a call into the board's API, or time passing inside it.
    global now
    now += ns
    if now >= next_due:
        _deliver()


def _plan():
    global next_due
    nd = end
    if _ei < _en and _et[_ei] * 1000 < nd:
        nd = _et[_ei] * 1000
    for t in timers:
        if t.due < nd:
            nd = t.due
    next_due = nd


def _deliver():
    # Everything that happened up to `now`, in time order, as the ISRs would see it.
    # The ISRs are C on the board: they work even when the program locked the heap.
    global _ei
    hold()
    while True:
        t_edge = _et[_ei] * 1000 if _ei < _en else end + 1
        timer = None
        for t in timers:
            if timer is None or t.due < timer.due:
                timer = t
        t_timer = timer.due if timer is not None else end + 1
        first = t_edge if t_edge <= t_timer else t_timer
        if first > now or first > end:
            break
        if t_edge <= t_timer:
            code = _ec[_ei]
            _ei += 1
            set_input(code >> 1, code & 1, t_edge)
        else:
            timer.fire()
    release()
    if now >= end:
        halt()
    _plan()


def halt():
    global halted, now
    if not halted:
        halted = True
        if now > end:
            now = end
        _stop()


def level_of(pid):
    p = pins.get(pid)
    if p is not None and p.is_output():
        return p.out
    lv = drive.get(pid)
    if lv is not None:
        return lv
    if p is not None and p.pull_level() is not None:
        return p.pull_level()
    return 0


def set_input(pid, level, t_ns=None):
    # A level arriving at pin `pid` from outside (world or jumper).
    before = level_of(pid)
    drive[pid] = level
    after = level_of(pid)
    if after == before:
        return
    tracer.edge(pid, after, (now if t_ns is None else t_ns) // 1000)
    p = pins.get(pid)
    if p is not None:
        p.on_edge(after)


def output_changed(pid, level):
    # The program drove an output: whatever is jumpered to it follows.
    for dst in links.get(pid, ()):
        set_input(dst, level)


def fire(source, handler, arg):
    # A GPIO or timer ISR: queue the soft callback, or latch it while masked.
    if masked:
        if source not in latched:
            latched.append(source)
        return
    enqueue(handler, arg, source)


def enqueue(handler, arg, source):
    if q_len >= depth:
        tracer.drop(source, now // 1000)
        return False
    _push(handler, arg)
    return True


def schedule(func, arg):
    # micropython.schedule() from Python code.
    if q_len >= depth:
        raise RuntimeError("schedule queue full")
    _push(func, arg)


def _push(func, arg):
    global q_len, high_water
    i = (q_head + q_len) % depth
    q_func[i] = func
    q_arg[i] = arg
    q_len += 1
    if q_len > high_water:
        high_water = q_len


def _run_one():
    # One queued callback, as mp_sched_run_pending runs it: protected, with the
    # scheduler locked. Its own code is the program's: its calls cost time.
    global in_cb, busy, q_head, q_len
    func = q_func[q_head]
    arg = q_arg[q_head]
    q_func[q_head] = None
    q_arg[q_head] = None
    q_head = (q_head + 1) % depth
    q_len -= 1
    saved = busy
    busy = 0
    _lock_real()  # the program's own code: its heap lock holds
    in_cb += 1
    charge(C_IRQ)
    try:
        func(arg)
    except BaseException as e:  # the port prints it and carries on
        busy = 1
        _unlock_real()
        tracer.callback_error(e)
    in_cb -= 1
    busy = saved
    if busy:
        _unlock_real()


def mask():
    global masked
    masked += 1
    return masked - 1


def unmask(state):
    global masked
    masked = state
    if masked or not latched:
        return
    while latched:
        latched.pop(0).refire()


def print_bytes(n):
    # print blocks while the UART's TX FIFO is full (115200 baud: ~87 us a byte);
    # the port runs no callbacks while it waits.
    global uart_free
    charge(C_CALL)
    start = uart_free if uart_free > now else now
    wait = start + n * BYTE_NS - FIFO * BYTE_NS - now
    uart_free = start + n * BYTE_NS
    if wait > 0:
        charge(wait)


def sleep_ns(ns):
    # time.sleep*: pending callbacks run while waiting, one at a time, as the
    # port's delay loop does, except in its last `quiet` ns; inside a callback
    # they stay queued.
    global now
    target = now + ns
    while not halted:
        if q_len and not in_cb and now + quiet < target:
            _run_one()
            continue
        if now >= target:
            break
        step = next_due if next_due < target else target
        if step > now:
            now = step
        if now >= next_due:
            _deliver()


def idle():
    charge(C_CALL)
    if q_len and not in_cb:
        _run_one()


def block_forever():
    # The scenario is over: the host stops this process when it reads the end.
    while True:
        _rtime.sleep(1)
