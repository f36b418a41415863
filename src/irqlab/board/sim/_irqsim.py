# The simulated board's core: a virtual clock, the world's pins, and the ESP32
# scheduler queue. Runs inside the MicroPython unix port.
#
# Time never comes from the wall clock. It moves by sleeps, and by the cost model:
# the work of every statement the program runs (its ops and pending checks, counted
# by stores the host put in front of each statement: irqlab.instrument) and a fixed
# cost per call into `machine`/`time`. Same program, same world, same trace, on any
# machine.
#
# Two regimes, one clock. While nothing can interrupt the program (no handler armed,
# no callback queued) the board runs no code of its own between its statements: the
# program's calls and the look at the clock at each loop's head (`catch_up`, when the
# work count passes counter[2]) bring the world up to date. From the first handler
# armed on, `tick`, a callback that keeps itself scheduled with the real scheduler,
# runs at every pending check of the main thread, where the port would run a queued
# callback. Both count the same work: a verdict does not depend on the regime.
import builtins
import time as _rtime

import micropython as _ump

_sched = _ump.schedule

now = 0  # virtual nanoseconds since the scenario started
NEVER = 1 << 60
# What the instrumented program (irqlab.instrument) and the board share:
#   [0] the program's work, in ns at the profile's reference clock (the program adds)
#   [1] where it is: file_id * 1_000_000 + line (the program writes)
#   [2] the work count at which its loops must look at the clock (quiet; NEVER once live)
#   [3] the same less one call, for the fast calls (quiet; -1 once live: the guarded path)
#   [4] what it adds per pending check it counts from its text (quiet; 0 once live, when
#       the tick charges each as it comes)
# Only the board reads [0] as time, and never writes it; time never runs backwards: a
# count that goes down was changed by the program, and the run ends saying so.
counter = [0, 0, NEVER, NEVER, 0]
ops_seen = 0  # the work folded into `now` so far
frac = 0  # and the remainder of that conversion, in 1/DEN ns
NUM = 1  # work units to ns: ns = units * NUM / DEN (reference clock / CPU clock)
DEN = 1
CALL_UNITS = 0  # a call into the board, in work units
CHECK_UNITS = 0  # a pending check, in work units (what the tick adds)
due_units = NEVER  # the work count at which the clock reaches next_due
stale = False  # the clock moved by other than work since due_units was worked out
quiet = True  # nothing can interrupt the program: no tick runs (see above)
quiet_state = [True]  # the same, for the board's closures
levels = [0] * 64  # pin id -> what Pin.value() reads now (level_of, kept up to date)
on_live = []  # what to switch when the board goes live (the fast API paths)
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
iwdt_due = 0  # masked since this long: the interrupt watchdog resets the board then
latched = []  # IRQ sources that fired while masked (one latch per source)
halted = False
emergency_buf = 0  # micropython.alloc_emergency_exception_buf(size): size

# The world comes from the host a window at a time (irqlab.feed): the edges up to
# `horizon`, never more than the lookahead (irqlab.feed.LOOKAHEAD_NS, 10 ms) past the
# later of the clock and the end of the wait the board was in when it asked. The board
# asks for the next window half a lookahead before this one is spent, and takes the
# answer when it is: the host works meanwhile. The rest of the future is not in this
# process.
_wt = []  # the window's edge times, ns (array 'q')
_wc = b""  # and pin * 2 + level
_wn = 0
_wi = 0
horizon = 0
waiting_until = 0  # the end of the sleep or poll under way (0: none)
_ask = None  # ask(upto_ns): ask the host for the edges up to upto_ns (+ its lookahead)
_take = None  # take() -> (horizon, times, codes): its answer
asked = False  # an answer is on its way
ask_lead = 0  # how long before the horizon the board asks for the next window
timers = []  # armed virtual timers (objects with .due, .fire())
pins = {}  # pin id -> the machine.Pin object the program configured
counters = {}  # pin id -> the pulse counter units (esp32.PCNT) watching it
drive = {}  # pin id -> level driven from outside (world or a jumper)
links = {}  # source pin id -> [target pin ids] (the lab kit's jumper)
profile = {}
cost = {}
tracer = None
_stop = None  # called when the scenario ends; never returns
_halt = None  # halt(reason, what): the run ends now, saying why; never returns

C_CALL = 0
C_IRQ = 0
C_OP = 0
C_ISR = 0  # the CPU time of one run of the GPIO ISR
C_ISR_ENTRY = 0  # from an edge to its ISR clearing the status bit
freq = 0  # CPU frequency: costs are given at the profile's reference frequency
quiet_ns = 0  # the last part of a sleep, in ns, in which the port runs no callbacks
uart_free = 0  # when the UART's TX FIFO will have sent its last byte
BYTE_NS = 0
FIFO = 0


def configure(cfg, trace, stop, halt_with, asker, lookahead_ns):
    global end, depth, profile, cost, tracer, _stop, _halt, _ask, _take, ask_lead
    global quiet_ns, BYTE_NS, FIFO
    profile = cfg["profile"]
    cost = profile["cost_ns"]
    set_freq(profile["freq"])
    quiet_ns = profile["sleep_quiet_ns"]
    BYTE_NS = profile["uart_byte_ns"]
    FIFO = profile["uart_fifo"]
    depth = profile["depth"]
    for _ in range(depth):
        q_func.append(None)
        q_arg.append(None)
    world = cfg["world"]
    end = cfg["duration_us"] * 1000
    for k, v in world["idle"].items():
        drive[int(k)] = v
    for pid in profile["pins"]:
        relevel(pid)
    for src, dst in world["links"]:
        links.setdefault(src, []).append(dst)
    tracer = trace
    _stop = stop
    _halt = halt_with
    _ask, _take = asker
    ask_lead = lookahead_ns // 2
    _plan()


def set_freq(hz):
    global freq, C_CALL, C_IRQ, C_OP, C_ISR, C_ISR_ENTRY, NUM, DEN, CALL_UNITS, CHECK_UNITS
    sync()  # the work so far ran at the old clock
    freq = hz
    ref = profile["ref_hz"]
    g = _gcd(ref, hz)
    NUM, DEN = ref // g, hz // g
    CALL_UNITS = cost["call"]
    CHECK_UNITS = cost["check"]
    if quiet:
        counter[4] = CHECK_UNITS
    C_CALL = cost["call"] * ref // hz
    C_IRQ = cost["irq"] * ref // hz
    C_OP = cost["op"] * ref // hz
    C_ISR = cost["isr"] * ref // hz
    C_ISR_ENTRY = cost["isr_entry"] * ref // hz
    _look_at(next_due)


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def start(metering=None):
    # The program finds its counter, and the board's meter and looks (metering, from
    # _irqtrace.meter), as builtins (irqlab.instrument). With none the program is not
    # instrumented (a board's, on the virtual board): the tick runs from the start and
    # charges each pending check.
    builtins._irq_c = counter
    builtins._irq_k, builtins._irq_l = metering or (None, None)
    _plan()
    if metering is None:
        live()


def live():
    # Something can interrupt the program from now on: the tick runs at its pending
    # checks, and the fast paths give way to the guarded ones. For the rest of the run.
    global quiet
    if quiet:
        sync()
        quiet = False
        quiet_state[0] = False
        counter[2] = NEVER
        counter[3] = -1
        counter[4] = 0
        for switch in on_live:
            switch()
        _arm()


def _look_at(t):
    # The work count at which the clock reaches t (at most a second ahead, so the numbers
    # stay small ints): where the tick looks again, or while quiet, the program's loops
    # and its fast calls.
    global due_units, stale
    stale = False
    d = t - now
    if d > 1_000_000_000:
        d = 1_000_000_000
    units = (d * DEN - frac + NUM - 1) // NUM
    due_units = ops_seen + (units if units > 0 else 0)
    if quiet:
        counter[2] = due_units
        counter[3] = due_units - CALL_UNITS


def catch_up():
    # Quiet: the program's loop or call found the deadline passed.
    hold()
    sync()
    if now >= next_due:
        _deliver()
    release()


def board_write(pin, level):
    # Quiet: a write that a jumper or a counter follows, past its charge (_irqtrace).
    hold()
    pin._write(level)
    release()


def relevel(pid):
    levels[pid] = level_of(pid)


# The tick is scheduled only while the program's own code runs. In the board's code
# (busy) or in a callback, the first pending check finds it there and it does not
# schedule itself again; release() schedules it when the program's code resumes.
# Otherwise the board's own branches would each run it, for nothing.
armed = True  # quiet: no tick until live() arms it


def _arm():
    global armed
    armed = True
    _sched(tick, None)


def _armed():
    pass


_rearm = (_arm, _armed)  # indexed by a bool, not branched on: see release()


def sync():
    # Fold the work the program did since the last look into the clock.
    global now, ops_seen, frac
    c = counter[0]
    if c != ops_seen:
        if c < ops_seen:
            tampered("the program changed the simulator's clock")
        x = (c - ops_seen) * NUM + frac
        now += x // DEN
        frac = x % DEN
        ops_seen = c


def now_ns():
    sync()
    return now


def now_us():
    sync()
    return now // 1000


def where():
    # Where the program is: file id * 1_000_000 + line (0: not known), as the
    # instrumented program last wrote it.
    return counter[1]


def tick(_):
    # One VM pending check of the main thread (live). Inside a callback the real
    # scheduler is locked, so no tick runs there: a callback's cost is its work.
    # It runs at every pending check, so it only counts, until something is due.
    global armed
    if busy or in_cb or halted or quiet:
        armed = False
        return
    _sched(tick, None)
    counter[0] += CHECK_UNITS
    if counter[0] >= due_units or q_len:
        _tick_due()


def _tick_due():
    sync()
    if now >= next_due:
        _deliver()
    if q_len:
        _run_one()
    _look_at(next_due)


def tampered(what):
    # The program reached into the board: the run ends here, and the trace says why.
    global halted
    if not halted:
        halted = True
        _halt("tamper", what)


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
    # So the tick is scheduled again by indexing, not by an `if`.
    global busy
    if busy == 1:
        if stale:
            _look_at(next_due)
        if heap_real != heap_depth:
            _lock_real()
    busy -= 1
    _rearm[armed | (busy != 0) | (in_cb != 0)]()


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
    # Time passing inside the board's code (after the program's work since the last look).
    global now, stale
    sync()
    now += ns
    stale = True
    if now >= next_due:
        _deliver()


def call():
    # The cost of a call into the board's API. It moves the deadline in work units by
    # as much, so that it stays good (the program's counter is the program's: the board
    # never writes it, lest it write back a stale count around a tick).
    global now, due_units
    sync()
    now += C_CALL
    due_units -= CALL_UNITS
    if quiet:
        counter[2] = due_units
        counter[3] = due_units - CALL_UNITS
    if now >= next_due:
        _deliver()


def _plan():
    global next_due
    nd = end
    e = _wt[_wi] if _wi < _wn else horizon
    if e < nd:
        nd = e
    for t in timers:
        if t.due < nd:
            nd = t.due
    if iwdt_due and iwdt_due < nd:
        nd = iwdt_due
    if not asked and horizon <= end and horizon - ask_lead < nd:
        nd = horizon - ask_lead
    next_due = nd
    _look_at(nd)


def _ask_ahead():
    # Ask for the window after this one: the edges from the horizon to the later of the
    # clock and the end of the wait under way, plus the lookahead.
    global asked
    _ask(waiting_until if waiting_until > now else now)
    asked = True


def _fetch():
    # The window is spent and the clock has reached its horizon: take the next.
    global _wt, _wc, _wn, _wi, horizon, asked
    if not asked:
        _ask_ahead()
    horizon, _wt, _wc = _take()
    asked = False
    _wn = len(_wc)
    _wi = 0


def _deliver():
    # Everything that happened up to `now`, in time order, as the ISRs would see it.
    # The ISRs are C on the board: they work even when the program locked the heap.
    global _wi
    hold()
    if not asked and horizon <= end and now >= horizon - ask_lead:
        _ask_ahead()
    while True:
        if _wi >= _wn and horizon <= now and horizon <= end:
            _fetch()  # an answer asked ahead may stop short of the clock: ask again
            continue
        t_edge = _wt[_wi] if _wi < _wn else end + 1
        timer = None
        for t in timers:
            if timer is None or t.due < timer.due:
                timer = t
        t_timer = timer.due if timer is not None else end + 1
        first = t_edge if t_edge <= t_timer else t_timer
        if first > now or first > end:
            break
        if t_edge <= t_timer:
            code = _wc[_wi]
            _wi += 1
            set_input(code >> 1, code & 1, t_edge)
        else:
            timer.fire()
    release()
    if iwdt_due and now >= iwdt_due:
        _watchdog()
    if now >= end:
        halt()
    _plan()


def _watchdog():
    # IRQs off too long: the interrupt watchdog resets the chip (ESP-IDF's
    # CONFIG_ESP_INT_WDT_TIMEOUT_MS, 300 ms by default), with its panic line.
    global halted, now
    now = iwdt_due
    if not halted:
        halted = True
        _halt("reset", "Guru Meditation Error: Core  0 panic'ed (Interrupt wdt timeout on CPU0).")


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
    levels[pid] = after
    t = now if t_ns is None else t_ns
    tracer.edge(pid, after, t // 1000)
    for c in counters.get(pid, ()):  # hardware counters: no ISR, no CPU time
        c.on_level(pid, after, t)
    p = pins.get(pid)
    if p is not None:
        p.on_edge(after, t)


def output_changed(pid, level):
    # The program drove an output: whatever is jumpered to it follows, and a pulse
    # counter on the pin itself counts it (an ESP32 output pin is an input too).
    for c in counters.get(pid, ()):
        c.on_level(pid, level, now)
    for dst in links.get(pid, ()):
        set_input(dst, level)


# The GPIO interrupt: an edge sets the pin's status bit; the ISR, ISR_ENTRY later,
# clears it and schedules the handler (ports/esp32/machine_pin.c machine_pin_isr_handler).
# An edge that comes while the bit is still set merges into it. Each ISR run takes the
# CPU for C_ISR, whoever was running: this is how an edge storm starves a program.
isr_at = {}  # pin id -> when its pending ISR runs (ns)


def gpio_isr(pin, t_ns):
    global now, stale
    if masked:
        fire(pin, pin._handler, pin)  # latched, runs (and costs) on the unmask
        return
    if t_ns <= isr_at.get(pin._id, -1):
        return  # merged: the status bit was still set
    isr_at[pin._id] = t_ns + C_ISR_ENTRY
    now += C_ISR
    stale = True
    enqueue(pin._handler, pin, pin)


# A level interrupt (trigger 4: low, 5: high) fires again as soon as its ISR returns,
# for as long as the level holds: the CPU runs nothing else (no main program, so no
# handler either), the queue fills and the rest is dropped. Held for longer than the
# interrupt watchdog allows, the ESP32 resets.
storming = None  # the pin whose level storm is under way


def level_storm(pin):
    global now, storming, iwdt_due, stale
    if masked:
        fire(pin, pin._handler, pin)  # pending: it storms on the unmask if the level holds
        return
    if storming is not None:
        return
    storming = pin
    want = pin._trigger - 4
    limit = now + profile["iwdt_ns"] if profile["iwdt_ns"] else 0
    while not halted and not masked and pin._handler is not None:
        if pin._trigger - 4 != want or level_of(pin._id) != want:
            break
        now += C_ISR
        stale = True
        enqueue(pin._handler, pin, pin)
        if limit and now >= limit:
            iwdt_due = limit
            _watchdog()
        if now >= next_due:
            _deliver()
    storming = None


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
    live()
    i = (q_head + q_len) % depth
    q_func[i] = func
    q_arg[i] = arg
    q_len += 1
    if q_len > high_water:
        high_water = q_len


def _run_one():
    # One queued callback, as mp_sched_run_pending runs it: protected, with the
    # scheduler locked. Its own code is the program's: its calls cost time.
    global q_head, q_len
    func = q_func[q_head]
    arg = q_arg[q_head]
    q_func[q_head] = None
    q_arg[q_head] = None
    q_head = (q_head + 1) % depth
    q_len -= 1
    charge(C_IRQ)
    _call(func, arg, None)


def isr_call(func, arg):
    # A hard callback (ESP8266 Timer(hard=True)): run in the timer's ISR, with the
    # scheduler and the heap locked; an exception is printed after a line of its own
    # (ports/esp8266/modmachine.c esp_timer_cb).
    global heap_depth
    heap_depth += 1
    _call(func, arg, "uncaught exception in timer callback\n")
    heap_depth -= 1


def _call(func, arg, banner):
    # The program's code, called by the board with the scheduler locked: its heap lock
    # holds, and an exception is printed and swallowed.
    global in_cb, busy
    # in_cb first: _lock_real has a loop, whose pending check would run the tick,
    # and the tick would start the next callback inside this one.
    in_cb += 1
    saved = busy
    busy = 0
    _lock_real()
    try:
        func(arg)
    except BaseException as e:  # the port prints it and carries on
        busy = 1
        _unlock_real()
        if banner:
            tracer.emit("out", banner)
        tracer.callback_error(e)
    in_cb -= 1
    busy = saved
    if busy:
        _unlock_real()


def mask():
    # ESP32: portENTER_CRITICAL, a counted, nestable section; disable_irq() returns 0
    # (ports/esp32/mphalport.h mp_begin_atomic_section). ESP8266: rsil 15, which returns
    # the old PS: INTLEVEL 0 when IRQs were on, 15 when already off (ports/esp8266/xtirq.h).
    global masked, iwdt_due
    before = masked
    if profile["mask"] == "count":
        masked += 1
    else:
        masked = 1
    if not before and profile["iwdt_ns"]:
        iwdt_due = now + profile["iwdt_ns"]
        _plan()
    if profile["mask"] == "count":
        return 0
    return 15 if before else 0


def unmask(state):
    # ESP32: portEXIT_CRITICAL leaves one level, whatever `state` is; ESP8266: wsr ps
    # restores the level `state` holds. What latched while masked fires on the unmask.
    global masked, iwdt_due, now, stale
    if profile["mask"] == "count":
        masked = masked - 1 if masked > 0 else 0
    else:
        masked = 1 if state & 15 else 0
    if masked:
        return
    iwdt_due = 0
    while latched:
        now += C_ISR  # the interrupt that waited runs now
        stale = True
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


def sleep_ns(ns, callbacks=True):
    # time.sleep*: pending callbacks run while waiting, one at a time, first in first
    # out, as the port's delay loop does, except in its last `quiet` ns; inside a
    # callback they stay queued. A light sleep runs none: they wait for the wake.
    global now, waiting_until, stale
    sync()
    target = now + ns
    outer = waiting_until
    waiting_until = target  # committed to this wait: the world may come up to its end
    while not halted:
        if now >= next_due:  # what is due, the scenario's end included, comes first
            _deliver()
            continue
        if callbacks and q_len and not in_cb and now + quiet_ns < target:
            _run_one()
            sync()
            continue
        if now >= target:
            break
        now = next_due if next_due < target else target
        stale = True
    waiting_until = outer


def spin_ns(ns, ready):
    # A C loop that polls until ready() (machine.time_pulse_us): time passes and the
    # world's edges come (their ISRs run), but no callback runs: there is no pending
    # check in C. True when ready, False after `ns`.
    global now, stale
    sync()
    target = now + ns
    while not halted:
        if now >= next_due:
            _deliver()
            continue
        if ready():
            return True
        if now >= target:
            return False
        now = next_due if next_due < target else target
        stale = True
    return False


def wait_ns(ns, ready):
    # select.poll's wait: each pass runs one pending callback, then asks ready();
    # True as soon as it says so, False once `ns` have passed (ns < 0: no limit, so
    # until the scenario ends). Only a callback or the world can make it ready.
    global now, waiting_until, stale
    sync()
    target = end + 1 if ns < 0 else now + ns
    outer = waiting_until
    if ns >= 0:  # a wait with no end commits to nothing: the world comes 1 ms at a time
        waiting_until = target
    found = False
    while not halted:
        if now >= next_due:
            _deliver()
            continue
        if q_len and not in_cb:
            _run_one()
            sync()
        if ready():
            found = True
            break
        if now >= target:
            break
        if q_len and not in_cb or now >= next_due:
            continue
        now = next_due if next_due < target else target
        stale = True
    waiting_until = outer
    return found


def idle():
    # ESP32: taskYIELD() only, no callback (ports/esp32/modmachine.c mp_machine_idle);
    # ESP8266: waiti, then mp_event_handle_nowait() runs one (ports/esp8266/modmachine.c).
    charge(C_CALL)
    if profile["idle_runs_callback"] and q_len and not in_cb:
        _run_one()


def pending_once():
    # A zero-length sleep: ESP32's mp_hal_delay_ms(0) still runs one pending callback
    # before it returns (ports/esp32/mphalport.c); ESP8266's loop runs no pass.
    if profile["sleep0_runs_callback"] and q_len and not in_cb:
        _run_one()


def block_forever():
    # The scenario is over: the host stops this process when it reads the end.
    while True:
        _rtime.sleep(1)
