//! The wiring between devices, and between devices and the hart (see
//! `wemu_dev_common`'s wiring model):
//!
//! * devices reached from outside the address space (the UART from host
//!   input, the PLIC from the UART's and RTC's lines, the ACLINT and RTC
//!   from timer expiry, the finisher from the run loop) are [`Shared`]: a
//!   lock, and an MMIO forwarder the address space owns;
//! * the lines towards the hart are one [`IrqLevels`] of four lines per
//!   hart ([`HartLines`]), which [`Board::irq_lines`] turns into `mip`
//!   bits;
//! * device timers are exec [`Timer`]s behind the devices' [`DevClock`].

use alloc::sync::Arc;

use spin::Mutex;
use wemu_dev_common::{BusError, IrqLevels, IrqLine, IrqSink, MemSize, MmioDevice};
use wemu_exec::{Clock, Machine, Timer, TimerId};
use wemu_guest_riscv64::csr::{MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP};
use wemu_softmmu::AddressSpace;

/// A device shared between the address space (through this forwarder)
/// and the board.
#[derive(Debug)]
pub struct Shared<T: ?Sized>(pub Arc<Mutex<T>>);

impl<T: ?Sized> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Shared<T> {
    pub fn new(device: T) -> Shared<T> {
        Shared(Arc::new(Mutex::new(device)))
    }
}

impl<T: ?Sized> Shared<T> {
    pub fn lock(&self) -> spin::MutexGuard<'_, T> {
        self.0.lock()
    }
}

impl<T: MmioDevice + ?Sized> MmioDevice for Shared<T> {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        self.0.lock().read(offset, size)
    }
    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        self.0.lock().write(offset, size, value)
    }
}

/// Lines of the hart-facing [`IrqLevels`] per hart: MSIP, MTIP (from the
/// ACLINT), MEIP, SEIP (from the PLIC).
pub const LINES_PER_HART: u32 = 4;
/// Where the ACLINT's lines start within a hart's four.
pub const ACLINT_LINES: u32 = 0;
/// Where the PLIC's lines start within a hart's four.
pub const PLIC_LINES: u32 = 2;

/// A device's outputs numbered in pairs per hart (the ACLINT's `2h` MSIP,
/// `2h + 1` MTIP; the PLIC's `2h` M-context, `2h + 1` S-context), landing
/// at `offset` within each hart's four lines.
#[derive(Clone, Debug)]
pub struct HartLines {
    pub levels: IrqLevels,
    pub offset: u32,
}

impl IrqSink for HartLines {
    fn set_irq(&mut self, line: u32, level: bool) {
        let hart = line / 2;
        let line = hart.saturating_mul(LINES_PER_HART).saturating_add(self.offset + line % 2);
        self.levels.set_irq(line, level)
    }
}

/// The `mip` bits hart `hart` sees on `levels`.
pub fn mip_lines(levels: &IrqLevels, hart: u32) -> u64 {
    let first = hart * LINES_PER_HART;
    let bits = (levels.word(first / 64) >> (first % 64)) & 0xf;
    let mut mip = 0;
    for (i, bit) in [MIP_MSIP, MIP_MTIP, MIP_MEIP, MIP_SEIP].into_iter().enumerate() {
        if bits & (1 << i) != 0 {
            mip |= bit;
        }
    }
    mip
}

/// One PLIC source, as a device's interrupt output.
#[derive(Debug)]
pub struct PlicSource<P> {
    pub plic: Shared<P>,
    pub source: u32,
}

impl<S: IrqSink> IrqLine for PlicSource<wemu_dev_plic::Plic<S>> {
    fn set(&mut self, level: bool) {
        self.plic.lock().set_source(self.source, level)
    }
}

/// A device's view of virtual time: the machine's clock and one timer.
#[derive(Clone, Debug)]
pub struct DevClock {
    pub clock: Clock,
    pub timer: Timer,
}

impl wemu_dev_common::Clock for DevClock {
    fn now_ns(&self) -> u64 {
        self.clock.now()
    }

    fn set_timer(&mut self, deadline_ns: Option<u64>) {
        match deadline_ns {
            Some(d) => self.timer.arm(d),
            None => self.timer.cancel(),
        }
    }
}

/// Something a timer expiry is forwarded to.
pub trait TimerDevice: Send {
    fn update(&mut self);
}

/// The board as the vCPU loop sees it.
pub struct Board {
    pub lines: IrqLevels,
    /// Device timers and what to update when each fires (the hart's own
    /// `stimecmp` timer only wakes it and is not listed).
    pub timers: alloc::vec::Vec<(TimerId, Arc<Mutex<dyn TimerDevice>>)>,
}

impl core::fmt::Debug for Board {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Board").field("lines", &self.lines).finish_non_exhaustive()
    }
}

impl Machine for Board {
    fn irq_lines(&self, vcpu: u32) -> u64 {
        mip_lines(&self.lines, vcpu)
    }

    fn timer_expired(&mut self, _space: &mut AddressSpace, timer: TimerId, _now: u64) {
        if let Some((_, dev)) = self.timers.iter().find(|(id, _)| *id == timer) {
            dev.lock().update();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_lines_become_mip_bits() {
        let levels = IrqLevels::new(8);
        let mut aclint = HartLines { levels: levels.clone(), offset: ACLINT_LINES };
        let mut plic = HartLines { levels: levels.clone(), offset: PLIC_LINES };
        aclint.set_irq(1, true); // hart 0 MTIP
        plic.set_irq(1, true); // hart 0 S-context
        assert_eq!(mip_lines(&levels, 0), MIP_MTIP | MIP_SEIP);
        plic.set_irq(2, true); // hart 1 M-context
        aclint.set_irq(2, true); // hart 1 MSIP
        assert_eq!(mip_lines(&levels, 1), MIP_MEIP | MIP_MSIP);
        aclint.set_irq(1, false);
        assert_eq!(mip_lines(&levels, 0), MIP_SEIP);
    }
}
