//! The board's core-local interruptor, in the SiFive CLINT layout Spike and
//! QEMU use (one hart): `msip` at 0x0, `mtimecmp` at 0x4000, `mtime` at
//! 0xbff8 (RISC-V ACLINT spec, MSWI and MTIMER devices, in their
//! CLINT-compatible placement).
//!
//! `mtime` is the machine's virtual clock at the board's timebase
//! frequency, plus an offset that writes to `mtime` set. The interrupt
//! lines are computed when the vCPU loop reads them (`MTIP` while
//! `mtime >= mtimecmp`), and a [`Timer`] armed at `mtimecmp`'s virtual time gives
//! the loop the deadline a waiting hart (WFI) sleeps until.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use wemu_exec::Timer;
use wemu_guest_riscv64::Timebase;
use wemu_guest_riscv64::csr::{MIP_MSIP, MIP_MTIP};
use wemu_ir::MemSize;
use wemu_softmmu::{BusError, MmioDevice};

/// Size of the register window.
pub const CLINT_SIZE: u64 = 0x1_0000;
const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// The registers, shared by the MMIO window and the board.
#[derive(Debug)]
struct Regs {
    msip: AtomicU64,
    mtimecmp: AtomicU64,
    /// Added to the timebase's ticks (writes to `mtime`).
    mtime_offset: AtomicU64,
}

/// The CLINT: hand [`Clint::window`] to the address space, ask
/// [`Clint::lines`] for the hart's interrupt lines.
#[derive(Clone, Debug)]
pub struct Clint {
    regs: Arc<Regs>,
    timebase: Timebase,
    timer: Timer,
}

impl Clint {
    /// A CLINT counting `mtime` on `timebase`, arming `timer` for
    /// `mtimecmp`. `mtimecmp` resets to all ones (no interrupt).
    pub fn new(timebase: Timebase, timer: Timer) -> Clint {
        let regs =
            Regs { msip: AtomicU64::new(0), mtimecmp: AtomicU64::new(u64::MAX), mtime_offset: AtomicU64::new(0) };
        Clint { regs: Arc::new(regs), timebase, timer }
    }

    /// `mtime` now.
    pub fn mtime(&self) -> u64 {
        self.timebase.mtime().wrapping_add(self.regs.mtime_offset.load(Ordering::Relaxed))
    }

    /// The hart's `MSIP` and `MTIP` lines, as `mip` bits.
    pub fn lines(&self) -> u64 {
        let mut l = 0;
        if self.regs.msip.load(Ordering::Relaxed) & 1 != 0 {
            l |= MIP_MSIP;
        }
        if self.mtime() >= self.regs.mtimecmp.load(Ordering::Relaxed) {
            l |= MIP_MTIP;
        }
        l
    }

    /// The MMIO window.
    pub fn window(&self) -> ClintWindow {
        ClintWindow(self.clone())
    }

    /// Arms the timer for the virtual time at which `mtime` reaches
    /// `mtimecmp`.
    fn rearm(&self) {
        let cmp = self.regs.mtimecmp.load(Ordering::Relaxed);
        let now = self.mtime();
        if cmp == u64::MAX {
            self.timer.cancel();
        } else if now >= cmp {
            self.timer.arm(0);
        } else {
            self.timer.arm(self.timebase.ns_at(self.timebase.mtime().saturating_add(cmp - now)));
        }
    }
}

/// Reads `size` bytes at byte `at` of the 64-bit register `value`.
fn part(value: u64, at: u64, size: MemSize) -> u64 {
    let bits = 8 * size.bytes();
    let v = value >> (8 * at);
    if bits == 64 { v } else { v & ((1 << bits) - 1) }
}

/// `old` with `size` bytes at byte `at` replaced by `value`.
fn merge(old: u64, at: u64, size: MemSize, value: u64) -> u64 {
    let bits = 8 * size.bytes();
    let mask = if bits == 64 { u64::MAX } else { ((1u64 << bits) - 1) << (8 * at) };
    (old & !mask) | ((value << (8 * at)) & mask)
}

/// The CLINT's MMIO window.
#[derive(Debug)]
pub struct ClintWindow(Clint);

impl ClintWindow {
    /// The register at `offset` and the byte inside it, if the access fits
    /// it (naturally aligned, inside the register).
    fn reg(offset: u64, size: MemSize) -> Option<(u64, u64)> {
        let n = u64::from(size.bytes());
        let (base, width) = match offset {
            MSIP..4 => (MSIP, 4),
            MTIMECMP..0x4008 => (MTIMECMP, 8),
            MTIME..0xc000 => (MTIME, 8),
            _ => return None,
        };
        let at = offset - base;
        (offset.is_multiple_of(n) && at + n <= width).then_some((base, at))
    }
}

impl MmioDevice for ClintWindow {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        let c = &self.0;
        // Registers of harts this board does not have read as zero.
        let Some((reg, at)) = ClintWindow::reg(offset, size) else { return Ok(0) };
        let v = match reg {
            MSIP => c.regs.msip.load(Ordering::Relaxed),
            MTIMECMP => c.regs.mtimecmp.load(Ordering::Relaxed),
            _ => c.mtime(),
        };
        Ok(part(v, at, size))
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        let c = &self.0;
        let Some((reg, at)) = ClintWindow::reg(offset, size) else { return Ok(()) };
        match reg {
            MSIP => c.regs.msip.store(value & 1, Ordering::Relaxed),
            MTIMECMP => {
                let v = merge(c.regs.mtimecmp.load(Ordering::Relaxed), at, size, value);
                c.regs.mtimecmp.store(v, Ordering::Relaxed);
            }
            _ => {
                let v = merge(c.mtime(), at, size, value);
                c.regs.mtime_offset.store(v.wrapping_sub(c.timebase.mtime()), Ordering::Relaxed);
            }
        }
        c.rearm();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wemu_exec::{Clock, TimerQueue};

    #[test]
    fn mtip_follows_mtimecmp() {
        let mut q = TimerQueue::new(Clock::deterministic(0));
        let tb = Timebase { clock: q.clock().clone(), hz: 1_000_000_000, stimecmp_timer: None };
        let clint = Clint::new(tb, q.new_timer());
        let mut w = clint.window();
        assert_eq!(clint.lines(), 0);
        w.write(MTIMECMP, MemSize::B4, 0).unwrap();
        assert_eq!(w.read(MTIMECMP, MemSize::B8), Ok(0xffff_ffff_0000_0000));
        w.write(MTIMECMP + 4, MemSize::B4, 0).unwrap();
        assert_eq!(clint.lines(), MIP_MTIP, "mtime 0 >= mtimecmp 0");
        w.write(MTIMECMP, MemSize::B8, 100).unwrap();
        assert_eq!(clint.lines(), 0);
        assert_eq!(q.next_deadline(), Some(100));
        w.write(MTIME, MemSize::B8, 150).unwrap();
        assert_eq!(w.read(MTIME, MemSize::B8), Ok(150));
        assert_eq!(clint.lines(), MIP_MTIP);
        w.write(MSIP, MemSize::B4, 3).unwrap();
        assert_eq!(w.read(MSIP, MemSize::B4), Ok(1));
        assert_eq!(clint.lines(), MIP_MTIP | MIP_MSIP);
        assert_eq!(w.read(0x2, MemSize::B4), Ok(0), "misaligned: reads as zero");
        assert_eq!(w.read(0x8000, MemSize::B8), Ok(0));
    }
}
