//! The RISC-V ACLINT ("Advanced Core Local Interruptor" specification
//! 1.0) in the CLINT-compatible layout QEMU's riscv64 `virt` board has at
//! 0x0200_0000: an MSWI device (one `msip` register per hart at +0x0) and
//! an MTIMER device (one `mtimecmp` per hart at +0x4000, the shared `mtime`
//! at +0xbff8).
//!
//! * **mtime** counts at 10 MHz like QEMU's `virt` timebase:
//!   `mtime = virtual ns / 100 + offset`, where the offset changes only when
//!   the guest writes `mtime`. Time comes from the [`Clock`], so in
//!   deterministic mode `mtime` is a function of the instruction count.
//! * **MTIP** of hart `h` is high while `mtime >= mtimecmp[h]` (unsigned;
//!   ACLINT §4.2). `mtimecmp` resets to all ones (the spec leaves it
//!   unspecified), so no timer interrupt is pending before software arms
//!   one. The device asks its [`Clock`] for a callback at the earliest
//!   future crossing ([`Aclint::next_deadline_ns`]); the machine calls
//!   [`Aclint::update`] when it comes.
//! * **MSIP** of hart `h` is bit 0 of `msip[h]` (ACLINT §3.2); the other
//!   bits read 0.
//!
//! Outputs go to one [`IrqSink`]: line `2h` is hart `h`'s MSIP
//! ([`msip_line`]), line `2h + 1` its MTIP ([`mtip_line`]).
//!
//! Guest accesses never panic. `msip` registers take aligned 32-bit
//! accesses, `mtimecmp` and `mtime` aligned 32-bit (either half) or 64-bit
//! ones; other sizes or alignments there are a [`BusError`], as on QEMU.
//! Registers of harts that do not exist and the rest of the window read 0
//! and ignore writes.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{BusError, Clock, IrqSink, MemSize, MmioDevice, read_part, write_part};

#[cfg(test)]
mod tests;

/// Base of the CLINT on riscv64 `virt`.
pub const VIRT_BASE: u64 = 0x0200_0000;
/// Size of the register window.
pub const WINDOW_SIZE: u64 = 0x1_0000;
/// The `mtime` frequency of riscv64 `virt`.
pub const TIMEBASE_HZ: u64 = 10_000_000;
/// Nanoseconds per `mtime` tick.
pub const NS_PER_TICK: u64 = 1_000_000_000 / TIMEBASE_HZ;

/// `msip` of hart 0; 4 bytes per hart.
pub const MSIP_BASE: u64 = 0x0;
/// `mtimecmp` of hart 0; 8 bytes per hart.
pub const MTIMECMP_BASE: u64 = 0x4000;
/// `mtime`.
pub const MTIME: u64 = 0xbff8;
/// Most harts the layout has room for (`mtimecmp` ends where `mtime` is).
pub const MAX_HARTS: u32 = ((MTIME - MTIMECMP_BASE) / 8) as u32;

/// The sink line of hart `hart`'s machine software interrupt.
pub const fn msip_line(hart: u32) -> u32 {
    hart.wrapping_mul(2)
}

/// The sink line of hart `hart`'s machine timer interrupt.
pub const fn mtip_line(hart: u32) -> u32 {
    hart.wrapping_mul(2).wrapping_add(1)
}

/// The state of an [`Aclint`], as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AclintState {
    pub num_harts: u32,
    /// Bit 0 of each hart's `msip`.
    pub msip: Vec<bool>,
    pub mtimecmp: Vec<u64>,
    /// `mtime` when the state was taken; a restored device counts on from
    /// it, whatever its clock reads.
    pub mtime: u64,
}

/// A CLINT-layout ACLINT: MSWI and MTIMER for `num_harts` harts.
///
/// ```
/// use wemu_dev_aclint::{Aclint, MTIME, MTIMECMP_BASE, mtip_line};
/// use wemu_dev_common::{IrqLevels, ManualClock, MemSize, MmioDevice};
///
/// let clock = ManualClock::new();
/// let lines = IrqLevels::new(2);
/// let mut clint = Aclint::new(1, clock.clone(), lines.clone());
///
/// clock.advance(1_000); // 1 µs = 10 ticks
/// assert_eq!(clint.read(MTIME, MemSize::B8), Ok(10));
/// clint.write(MTIMECMP_BASE, MemSize::B8, 110).unwrap(); // 10 µs from now
/// assert_eq!(clock.deadline(), Some(11_000));
///
/// clock.advance(10_000); // the machine's timer fires:
/// clint.update();
/// assert!(lines.level(mtip_line(0)));
/// ```
#[derive(Debug)]
pub struct Aclint<C, S> {
    clock: C,
    sink: S,
    num_harts: u32,
    msip: Vec<bool>,
    mtimecmp: Vec<u64>,
    /// `mtime - now / NS_PER_TICK` (wrapping).
    mtime_offset: u64,
    /// The MTIP level last sent, per hart.
    mtip: Vec<bool>,
}

impl<C: Clock, S: IrqSink> Aclint<C, S> {
    /// An ACLINT for `num_harts` harts (at most [`MAX_HARTS`]) in its reset
    /// state: `mtime` counting from the clock's time, no interrupt pending.
    pub fn new(num_harts: u32, clock: C, sink: S) -> Self {
        let state = AclintState { num_harts, mtime: clock.now_ns() / NS_PER_TICK, ..AclintState::default() };
        Self::from_state(&state, clock, sink)
    }

    /// An ACLINT in `state`, which may come from anywhere: the hart count
    /// is clamped to [`MAX_HARTS`], missing `msip` are 0 and missing
    /// `mtimecmp` all ones. Drives every output to its restored level and
    /// asks for the next timer callback.
    pub fn from_state(state: &AclintState, clock: C, sink: S) -> Self {
        let num_harts = state.num_harts.min(MAX_HARTS);
        let harts = num_harts as usize;
        let mut msip = vec![false; harts];
        for (m, s) in msip.iter_mut().zip(&state.msip) {
            *m = *s;
        }
        let mut mtimecmp = vec![u64::MAX; harts];
        for (m, s) in mtimecmp.iter_mut().zip(&state.mtimecmp) {
            *m = *s;
        }
        let ticks = clock.now_ns() / NS_PER_TICK;
        let mut aclint = Aclint {
            clock,
            sink,
            num_harts,
            msip,
            mtimecmp,
            mtime_offset: state.mtime.wrapping_sub(ticks),
            mtip: vec![false; harts],
        };
        let mtime = aclint.mtime();
        for h in 0..num_harts {
            let level = aclint.mtime_reached(h, mtime);
            aclint.mtip[h as usize] = level;
            aclint.sink.set_irq(mtip_line(h), level);
            let sw = aclint.msip[h as usize];
            aclint.sink.set_irq(msip_line(h), sw);
        }
        aclint.arm();
        aclint
    }

    /// The state, as plain data.
    pub fn state(&self) -> AclintState {
        AclintState {
            num_harts: self.num_harts,
            msip: self.msip.clone(),
            mtimecmp: self.mtimecmp.clone(),
            mtime: self.mtime(),
        }
    }

    pub fn num_harts(&self) -> u32 {
        self.num_harts
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The current value of `mtime`.
    pub fn mtime(&self) -> u64 {
        (self.clock.now_ns() / NS_PER_TICK).wrapping_add(self.mtime_offset)
    }

    /// Hart `hart`'s MTIP level (as last sent).
    pub fn mtip(&self, hart: u32) -> bool {
        self.mtip.get(hart as usize).copied().unwrap_or(false)
    }

    /// Hart `hart`'s MSIP level.
    pub fn msip(&self, hart: u32) -> bool {
        self.msip.get(hart as usize).copied().unwrap_or(false)
    }

    fn mtime_reached(&self, hart: u32, mtime: u64) -> bool {
        self.mtimecmp.get(hart as usize).is_some_and(|&cmp| mtime >= cmp)
    }

    /// The virtual time (ns) at which the device next needs an
    /// [`Aclint::update`]: the earliest time a low MTIP rises if `mtime`
    /// keeps counting (now, if one is already due); `None` if none will
    /// within the range of a `u64` of nanoseconds. This is what the device
    /// asks of [`Clock::set_timer`]; a machine that polls instead uses it.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        let now = self.clock.now_ns();
        let ticks = now / NS_PER_TICK;
        let mtime = ticks.wrapping_add(self.mtime_offset);
        self.mtimecmp
            .iter()
            .zip(&self.mtip)
            .filter_map(|(&cmp, &high)| {
                if mtime >= cmp {
                    // Only a write can lower a high MTIP.
                    return (!high).then_some(now);
                }
                // `mtime` reaches `cmp` when the tick count reaches
                // `ticks + (cmp - mtime)`.
                ticks.checked_add(cmp - mtime)?.checked_mul(NS_PER_TICK)
            })
            .min()
    }

    /// Re-evaluates every MTIP against the clock and asks for the next
    /// callback. The machine calls it when the timer requested through
    /// [`Clock::set_timer`] expires; extra calls are harmless.
    pub fn update(&mut self) {
        let mtime = self.mtime();
        for h in 0..self.num_harts {
            let level = self.mtime_reached(h, mtime);
            if let Some(out) = self.mtip.get_mut(h as usize)
                && *out != level
            {
                *out = level;
                self.sink.set_irq(mtip_line(h), level);
            }
        }
        self.arm();
    }

    fn arm(&mut self) {
        let next = self.next_deadline_ns();
        self.clock.set_timer(next);
    }

    fn set_msip(&mut self, hart: u32, value: bool) {
        if let Some(m) = self.msip.get_mut(hart as usize)
            && *m != value
        {
            *m = value;
            self.sink.set_irq(msip_line(hart), value);
        }
    }

    /// Decodes `offset`: a 64-bit register (`mtimecmp[h]` or `mtime`) and
    /// the byte offset inside it, checking the access's size and alignment.
    fn timer_reg(offset: u64, size: MemSize) -> Result<(TimerReg, u64), BusError> {
        let ok = match size {
            MemSize::B4 => offset.is_multiple_of(4),
            MemSize::B8 => offset.is_multiple_of(8),
            _ => false,
        };
        if !ok {
            return Err(BusError);
        }
        if offset >= MTIME {
            Ok((TimerReg::Mtime, offset - MTIME))
        } else {
            let rel = offset - MTIMECMP_BASE;
            Ok((TimerReg::Mtimecmp((rel / 8) as u32), rel % 8))
        }
    }
}

enum TimerReg {
    Mtimecmp(u32),
    Mtime,
}

impl<C: Clock, S: IrqSink> MmioDevice for Aclint<C, S> {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        match offset {
            MSIP_BASE..MTIMECMP_BASE => {
                if size != MemSize::B4 || !offset.is_multiple_of(4) {
                    return Err(BusError);
                }
                Ok(u64::from(self.msip((offset / 4) as u32)))
            }
            MTIMECMP_BASE..=0xbfff => match Self::timer_reg(offset, size)? {
                (TimerReg::Mtime, at) => Ok(read_part(self.mtime(), at, size)),
                (TimerReg::Mtimecmp(h), at) => {
                    Ok(self.mtimecmp.get(h as usize).map_or(0, |&cmp| read_part(cmp, at, size)))
                }
            },
            _ => Ok(0),
        }
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        match offset {
            MSIP_BASE..MTIMECMP_BASE => {
                if size != MemSize::B4 || !offset.is_multiple_of(4) {
                    return Err(BusError);
                }
                self.set_msip((offset / 4) as u32, value & 1 != 0);
            }
            MTIMECMP_BASE..=0xbfff => match Self::timer_reg(offset, size)? {
                (TimerReg::Mtime, at) => {
                    let mtime = write_part(self.mtime(), at, size, value);
                    let ticks = self.clock.now_ns() / NS_PER_TICK;
                    self.mtime_offset = mtime.wrapping_sub(ticks);
                    self.update();
                }
                (TimerReg::Mtimecmp(h), at) => {
                    if let Some(cmp) = self.mtimecmp.get_mut(h as usize) {
                        *cmp = write_part(*cmp, at, size, value);
                        self.update();
                    }
                }
            },
            _ => {}
        }
        Ok(())
    }
}
