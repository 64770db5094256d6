//! The Goldfish real-time clock (Android's emulator RTC, compatible
//! `google,goldfish-rtc`), as QEMU's riscv64 `virt` board has it at
//! 0x10_1000 on PLIC source 11, and as Linux's `rtc-goldfish` driver
//! programs it.
//!
//! Time is nanoseconds since the Unix epoch, a 64-bit value read through two
//! 32-bit registers: reading `TIME_LOW` latches the high half for the next
//! `TIME_HIGH` read. The clock starts at the host's wall-clock time
//! ([`WallClock`], read once at creation) and advances with the virtual
//! [`Clock`], so a deterministic machine sees a deterministic RTC.
//!
//! The alarm: the guest writes `ALARM_HIGH`, then `ALARM_LOW`, which arms
//! it (an alarm already due fires at once); when the time reaches it the
//! interrupt becomes pending, and the line is high while an interrupt is
//! pending and `IRQ_ENABLED` is set. `CLEAR_INTERRUPT` acknowledges,
//! `CLEAR_ALARM` disarms, `ALARM_STATUS` reads 1 while armed. The device
//! asks its clock for a callback at the alarm; the machine calls
//! [`GoldfishRtc::update`] when it comes. Writing the time moves the
//! clock (each half on its own, as on QEMU) and the alarm's deadline with
//! it.
//!
//! Guest accesses never panic. Registers are 32 bits: an access of another
//! size or alignment is a [`BusError`] (QEMU likewise rejects it); offsets
//! past `CLEAR_INTERRUPT` read 0 and ignore writes.
#![no_std]
#![forbid(unsafe_code)]

use wemu_dev_common::{BusError, Clock, IrqLine, MemSize, MmioDevice, WallClock};

#[cfg(test)]
mod tests;

/// Base of the RTC on riscv64 `virt`.
pub const VIRT_BASE: u64 = 0x10_1000;
/// Size of its window on riscv64 `virt`.
pub const WINDOW_SIZE: u64 = 0x1000;
/// Its PLIC source on riscv64 `virt`.
pub const VIRT_IRQ: u32 = 11;

/// Time, low half (reading it latches the high half).
pub const TIME_LOW: u64 = 0x00;
/// Time, high half (as latched).
pub const TIME_HIGH: u64 = 0x04;
/// Alarm, low half (writing it arms the alarm).
pub const ALARM_LOW: u64 = 0x08;
/// Alarm, high half.
pub const ALARM_HIGH: u64 = 0x0c;
/// Bit 0: the alarm interrupt may reach the line.
pub const IRQ_ENABLED: u64 = 0x10;
/// Write: disarm the alarm.
pub const CLEAR_ALARM: u64 = 0x14;
/// Read: 1 while the alarm is armed.
pub const ALARM_STATUS: u64 = 0x18;
/// Write: acknowledge the interrupt.
pub const CLEAR_INTERRUPT: u64 = 0x1c;

/// The state of a [`GoldfishRtc`], as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GoldfishRtcState {
    /// The RTC's time (ns since the epoch) when the state was taken; a
    /// restored device counts on from it, whatever its clock reads.
    pub time_ns: u64,
    /// The alarm time (ns since the epoch) as last written.
    pub alarm_ns: u64,
    pub alarm_armed: bool,
    pub irq_pending: bool,
    pub irq_enabled: bool,
    /// The high half latched by the last `TIME_LOW` read.
    pub time_high_latch: u32,
}

/// A Goldfish RTC: time from a [`Clock`], its interrupt on an [`IrqLine`].
///
/// ```
/// use wemu_dev_common::{FixedWallClock, IrqLevels, ManualClock, MemSize, MmioDevice};
/// use wemu_dev_goldfish_rtc::{GoldfishRtc, TIME_HIGH, TIME_LOW};
///
/// let boot = 1_700_000_000_000_000_000; // ns since the epoch
/// let clock = ManualClock::new();
/// let mut rtc = GoldfishRtc::new(&FixedWallClock(boot), clock.clone(), IrqLevels::new(1).line(0));
/// clock.advance(2_000_000_000);
/// let low = rtc.read(TIME_LOW, MemSize::B4).unwrap();
/// let high = rtc.read(TIME_HIGH, MemSize::B4).unwrap();
/// assert_eq!(high << 32 | low, boot + 2_000_000_000);
/// ```
#[derive(Debug)]
pub struct GoldfishRtc<C, I> {
    clock: C,
    irq: I,
    irq_level: bool,
    /// RTC time minus virtual time (wrapping).
    offset: u64,
    alarm_ns: u64,
    alarm_armed: bool,
    irq_pending: bool,
    irq_enabled: bool,
    time_high_latch: u32,
}

impl<C: Clock, I: IrqLine> GoldfishRtc<C, I> {
    /// An RTC reading `wall`'s time now, with no alarm.
    pub fn new(wall: &impl WallClock, clock: C, irq: I) -> Self {
        let state = GoldfishRtcState { time_ns: wall.unix_time_ns(), ..GoldfishRtcState::default() };
        Self::from_state(&state, clock, irq)
    }

    /// An RTC in `state` (any values are accepted). Drives the line to its
    /// restored level and asks for the alarm's callback (an alarm already
    /// due fires then, not here).
    pub fn from_state(state: &GoldfishRtcState, clock: C, irq: I) -> Self {
        let offset = state.time_ns.wrapping_sub(clock.now_ns());
        let mut rtc = GoldfishRtc {
            clock,
            irq,
            irq_level: false,
            offset,
            alarm_ns: state.alarm_ns,
            alarm_armed: state.alarm_armed,
            irq_pending: state.irq_pending,
            irq_enabled: state.irq_enabled,
            time_high_latch: state.time_high_latch,
        };
        rtc.irq_level = rtc.irq_pending && rtc.irq_enabled;
        let level = rtc.irq_level;
        rtc.irq.set(level);
        // An alarm already due fires at the callback, not here: restoring
        // changes nothing.
        let next = rtc.next_deadline_ns();
        rtc.clock.set_timer(next);
        rtc
    }

    /// The state, as plain data.
    pub fn state(&self) -> GoldfishRtcState {
        GoldfishRtcState {
            time_ns: self.time_ns(),
            alarm_ns: self.alarm_ns,
            alarm_armed: self.alarm_armed,
            irq_pending: self.irq_pending,
            irq_enabled: self.irq_enabled,
            time_high_latch: self.time_high_latch,
        }
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The RTC's time: nanoseconds since the Unix epoch.
    pub fn time_ns(&self) -> u64 {
        self.clock.now_ns().wrapping_add(self.offset)
    }

    /// The level of the interrupt output.
    pub fn irq_level(&self) -> bool {
        self.irq_level
    }

    /// The virtual time (ns) at which the armed alarm fires (now if due);
    /// `None` without an alarm, or past the range of a `u64`.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        if !self.alarm_armed {
            return None;
        }
        let now = self.clock.now_ns();
        let time = now.wrapping_add(self.offset);
        match self.alarm_ns.checked_sub(time) {
            None | Some(0) => Some(now),
            Some(left) => now.checked_add(left),
        }
    }

    /// Fires the alarm if it is due, and asks for the next callback. The
    /// machine calls it when the timer requested through
    /// [`Clock::set_timer`] expires; extra calls are harmless.
    pub fn update(&mut self) {
        if self.alarm_armed && self.time_ns() >= self.alarm_ns {
            self.alarm_armed = false;
            self.irq_pending = true;
            self.update_irq();
        }
        let next = self.next_deadline_ns();
        self.clock.set_timer(next);
    }

    fn update_irq(&mut self) {
        let level = self.irq_pending && self.irq_enabled;
        if level != self.irq_level {
            self.irq_level = level;
            self.irq.set(level);
        }
    }

    /// Sets the RTC's time to `time`, keeping it counting.
    fn set_time(&mut self, time: u64) {
        self.offset = time.wrapping_sub(self.clock.now_ns());
        // The alarm is in RTC time: its virtual deadline moved.
        self.update();
    }

    fn read_reg(&mut self, offset: u64) -> u32 {
        match offset {
            TIME_LOW => {
                let t = self.time_ns();
                self.time_high_latch = (t >> 32) as u32;
                t as u32
            }
            TIME_HIGH => self.time_high_latch,
            ALARM_LOW => self.alarm_ns as u32,
            ALARM_HIGH => (self.alarm_ns >> 32) as u32,
            IRQ_ENABLED => u32::from(self.irq_enabled),
            ALARM_STATUS => u32::from(self.alarm_armed),
            _ => 0,
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32) {
        let v = u64::from(value);
        match offset {
            TIME_LOW => self.set_time((self.time_ns() & !0xffff_ffff) | v),
            TIME_HIGH => self.set_time((self.time_ns() & 0xffff_ffff) | (v << 32)),
            ALARM_LOW => {
                self.alarm_ns = (self.alarm_ns & !0xffff_ffff) | v;
                self.alarm_armed = true;
                self.update();
            }
            ALARM_HIGH => self.alarm_ns = (self.alarm_ns & 0xffff_ffff) | (v << 32),
            IRQ_ENABLED => {
                self.irq_enabled = value & 1 != 0;
                self.update_irq();
            }
            CLEAR_ALARM => {
                self.alarm_armed = false;
                self.clock.set_timer(None);
            }
            CLEAR_INTERRUPT => {
                self.irq_pending = false;
                self.update_irq();
            }
            _ => {}
        }
    }
}

impl<C: Clock, I: IrqLine> MmioDevice for GoldfishRtc<C, I> {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        if size != MemSize::B4 || !offset.is_multiple_of(4) {
            return Err(BusError);
        }
        Ok(u64::from(self.read_reg(offset)))
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        if size != MemSize::B4 || !offset.is_multiple_of(4) {
            return Err(BusError);
        }
        self.write_reg(offset, value as u32);
        Ok(())
    }
}
