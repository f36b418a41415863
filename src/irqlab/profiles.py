"""Board profiles: what the simulated board must look like to a program, and what time costs.

The numbers for each profile come from the MicroPython ports' source (pin constants, valid
pins, timers, scheduler depth) and from measurements on real chips (the cost model). The
cost model is deliberately coarse: it turns a program's work into virtual time the same way
on every host, so that a verdict depends on the program, never on the machine running it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from irqlab.errors import IrqlabError


@dataclass(frozen=True)
class Costs:
    """Virtual time, in nanoseconds, that one piece of work costs at `ref_hz`.

    op: one op of the program's own Python, as irqlab.instrument counts them (about one
        bytecode: a name, a constant, an operation, a call, a statement). Every statement
        the program runs costs its ops, in handlers too, and so does each item of a
        comprehension and each call of a lambda.
    check: one VM pending check (the jump at a loop back-edge or a conditional branch), on
        top of the ops of the test around it. Once something can interrupt the program (a
        handler armed, a callback queued) the board counts each as it happens; before,
        while it runs no code of its own between the program's statements, it counts them
        from the program's text (irqlab.instrument.checks: the same jumps, but that an
        `and`/`or` counts all its operands).
    call: one call into `machine` or `time` (Pin.value(), ticks_ms(), ...).
    irq: from a queued soft callback to the first line of its handler (dispatch and call).
    isr: one run of the GPIO ISR (interrupt entry and exit, ESP-IDF's GPIO ISR service,
        mp_sched_schedule and the wake of the main task): CPU time taken from whatever runs,
        on every edge that matches the trigger, even when the queue is full.
    isr_entry: from an edge to the ISR clearing the pin's status bit; edges closer than
        this merge into one.

    These are estimates for a 240 MHz ESP32 (no per-bytecode figure is published for it);
    `python bench/sim_speed.py` prints what they imply for familiar loops (pin-toggle rate,
    polling and IRQ latency), to compare with a board.
    The board scales them by ref_hz / machine.freq().
    """

    check: int = 250
    call: int = 5_000
    irq: int = 25_000
    op: int = 160
    isr: int = 3_300
    isr_entry: int = 1_300

    def as_dict(self) -> dict[str, int]:
        return {
            "check": self.check,
            "call": self.call,
            "irq": self.irq,
            "op": self.op,
            "isr": self.isr,
            "isr_entry": self.isr_entry,
        }


@dataclass(frozen=True)
class Profile:
    name: str
    depth: int
    ref_hz: int
    freq: int
    costs: Costs
    pin_constants: dict[str, int]
    pins: tuple[int, ...]
    input_only: tuple[int, ...]
    timers: tuple[int, ...] | None
    timer_error: str
    timer_kwargs: bool  # Timer(id, mode=..., ...) configures it at once
    timer_hard: bool  # init(hard=True) runs the callback in the timer's ISR
    timer_value: bool  # Timer.value() exists
    irq_third: str  # irq()'s third argument: "wake" (ESP32) or "hard" (ESP8266)
    rtc_pins: tuple[int, ...]  # pins that can wake the chip from deep sleep
    freqs: tuple[int, ...]
    freq_error: str
    reset: dict[str, int]
    wake: dict[str, int]  # the wake types machine names: SLEEP, DEEPSLEEP
    pcnt_units: int  # hardware pulse counters behind machine.Counter (0: none)
    sleep_quiet_ns: int
    idle_runs_callback: bool  # machine.idle() runs one queued callback
    sleep0_runs_callback: bool  # time.sleep_ms(0) runs one queued callback
    mask: str  # "count": a nestable critical section (ESP32); "ps": the PS register (ESP8266)
    iwdt_ns: int  # IRQs off this long reset the chip (0: not modelled)
    no_irq: tuple[int, ...] = ()  # pins whose irq() raises OSError
    # The lab kit's jumpers, (output, input): the main one first, then the second input's.
    jumpers: tuple[tuple[int, int], ...] = ((4, 5), (16, 17))
    # What machine.reset_cause() says to a program started after a soft reset (as
    # mpremote and irqlab start one): the ESP32 port remembers the soft reset.
    soft_reset_cause: str = "SOFT_RESET"
    uart_byte_ns: int = 86_806  # 115200 baud, 8N1: ten bits a byte
    uart_fifo: int = 128

    def to_board(self) -> dict[str, Any]:
        """The profile as the board-side simulator reads it."""
        board = {k: v for k, v in asdict(self).items() if k not in ("costs", "pin_constants")}
        board["cost_ns"] = self.costs.as_dict()
        board["pin"] = self.pin_constants
        return board


ESP32 = Profile(
    name="esp32",
    depth=8,
    ref_hz=240_000_000,
    # ESP-IDF's default CPU clock; programs may call machine.freq(240_000_000).
    freq=160_000_000,
    costs=Costs(),
    pin_constants={
        "IN": 1,
        "OUT": 3,
        "OPEN_DRAIN": 7,
        "PULL_UP": 2,
        "PULL_DOWN": 1,
        "IRQ_RISING": 1,
        "IRQ_FALLING": 2,
        "WAKE_LOW": 4,
        "WAKE_HIGH": 5,
        "DRIVE_0": 0,
        "DRIVE_1": 1,
        "DRIVE_2": 2,
        "DRIVE_3": 3,
    },
    pins=(*range(0, 24), 25, 26, 27, *range(32, 40)),
    input_only=(34, 35, 36, 37, 38, 39),
    timers=(0, 1, 2, 3),
    timer_error="invalid Timer number",
    timer_kwargs=True,
    timer_hard=False,
    timer_value=True,
    irq_third="wake",
    rtc_pins=(0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39),
    freqs=(20_000_000, 40_000_000, 80_000_000, 160_000_000, 240_000_000),
    freq_error="frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz",
    reset={
        "PWRON_RESET": 1,
        "HARD_RESET": 2,
        "WDT_RESET": 3,
        "DEEPSLEEP_RESET": 4,
        "SOFT_RESET": 5,
    },
    wake={"SLEEP": 2, "DEEPSLEEP": 4},  # ports/esp32/modmachine.h wake_type_t
    pcnt_units=8,  # SOC_PCNT_UNITS_PER_GROUP on the ESP32
    # mp_hal_delay_us runs no callbacks in the last 150 us of a wait.
    sleep_quiet_ns=150_000,
    idle_runs_callback=False,
    sleep0_runs_callback=True,
    mask="count",
    iwdt_ns=300_000_000,  # ESP-IDF CONFIG_ESP_INT_WDT_TIMEOUT_MS default
)

ESP8266 = Profile(
    name="esp8266",
    depth=4,
    ref_hz=80_000_000,
    freq=80_000_000,
    # An 80 MHz core runs the same program about 4.4 times slower than a 240 MHz ESP32.
    costs=Costs(check=1_100, call=22_000, irq=110_000, op=700, isr=10_000, isr_entry=4_000),
    pin_constants={
        "IN": 0,
        "OUT": 1,
        "OPEN_DRAIN": 2,
        "PULL_UP": 1,
        "IRQ_RISING": 1,
        "IRQ_FALLING": 2,
    },
    pins=(0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16),
    input_only=(),
    timers=None,
    timer_error="",
    timer_kwargs=False,
    timer_hard=True,
    timer_value=False,
    irq_third="hard",
    rtc_pins=(),
    freqs=(80_000_000, 160_000_000),
    freq_error="frequency can only be either 80Mhz or 160MHz",
    reset={
        "PWRON_RESET": 0,
        "WDT_RESET": 1,
        "SOFT_RESET": 4,
        "DEEPSLEEP_RESET": 5,
        "HARD_RESET": 6,
    },
    wake={"DEEPSLEEP": 4},  # ports/esp8266/modmachine.c: no SLEEP
    pcnt_units=0,
    sleep_quiet_ns=0,
    idle_runs_callback=True,
    sleep0_runs_callback=False,
    mask="ps",
    iwdt_ns=0,
    no_irq=(16,),
    # No GPIO17, and GPIO16 takes no IRQ (ports/esp8266/machine_pin.c pyb_pin_obj,
    # pyb_pin_irq): the second input is GPIO14 (D5), driven from GPIO12 (D6).
    jumpers=((4, 5), (12, 14)),
    soft_reset_cause="PWRON_RESET",  # the SDK's reason for the last hardware reset
)

PROFILES = {p.name: p for p in (ESP32, ESP8266)}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise IrqlabError(f"unknown board {name!r}", f"use one of: {', '.join(PROFILES)}") from None
