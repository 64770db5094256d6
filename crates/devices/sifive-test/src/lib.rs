//! The SiFive test finisher (compatible `sifive,test1`, `sifive,test0`,
//! `syscon`), at 0x10_0000 on QEMU's riscv64 `virt` board: a guest writes
//! a status to it to power off, report a test result or reset.
//!
//! Linux reaches it through `syscon-poweroff` (32-bit write of 0x5555) and
//! `syscon-reboot` (0x7777); OpenSBI's `fdt_reset_sifive_test` uses it for
//! SBI shutdown and reboot; bare-metal tests write `0x3333 | code << 16` to
//! fail with a code.
//!
//! The device only records the request ([`SifiveTest::action`]) and calls
//! an optional notifier (for a machine to ask its vCPU loops to stop); the
//! machine decides what powering off means.
//!
//! Guest accesses never panic. Accesses of 2 or 4 bytes are accepted as on
//! QEMU; other sizes are a [`BusError`]. Everything reads 0; writes
//! other than a known status at offset 0 are ignored, and the first
//! request stands until the machine takes it.
#![no_std]
#![forbid(unsafe_code)]

use wemu_dev_common::{BusError, MemSize, MmioDevice};

/// Base of the finisher on riscv64 `virt`.
pub const VIRT_BASE: u64 = 0x10_0000;
/// Size of its window on riscv64 `virt`.
pub const WINDOW_SIZE: u64 = 0x1000;

/// Status: a test failed; the code is in bits 31:16.
pub const FINISHER_FAIL: u16 = 0x3333;
/// Status: a test passed / power off.
pub const FINISHER_PASS: u16 = 0x5555;
/// Status: reset the machine.
pub const FINISHER_RESET: u16 = 0x7777;

/// What the guest asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinisherAction {
    /// Power off, success (`0x5555`).
    Pass,
    /// Power off, failure with a code (`0x3333 | code << 16`).
    Fail(u16),
    /// Reset (`0x7777`).
    Reset,
}

/// The state of a [`SifiveTest`], as plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SifiveTestState {
    /// A request the machine has not taken yet.
    pub action: Option<FinisherAction>,
}

/// A notifier that does nothing.
pub type NoNotify = fn(FinisherAction);

fn ignore(_: FinisherAction) {}

/// The test finisher. `N` is called once for each request recorded.
///
/// ```
/// use wemu_dev_common::{MemSize, MmioDevice};
/// use wemu_dev_sifive_test::{FinisherAction, SifiveTest};
///
/// let mut finisher = SifiveTest::new();
/// finisher.write(0, MemSize::B4, 0x0002_3333).unwrap(); // fail, code 2
/// assert_eq!(finisher.take_action(), Some(FinisherAction::Fail(2)));
/// assert_eq!(finisher.take_action(), None);
/// ```
#[derive(Debug)]
pub struct SifiveTest<N = NoNotify> {
    action: Option<FinisherAction>,
    notify: N,
}

impl SifiveTest {
    /// A finisher without a notifier (the machine polls
    /// [`SifiveTest::action`]).
    pub fn new() -> Self {
        SifiveTest { action: None, notify: ignore }
    }
}

impl Default for SifiveTest {
    fn default() -> Self {
        SifiveTest::new()
    }
}

impl<N: FnMut(FinisherAction)> SifiveTest<N> {
    /// A finisher calling `notify` for each request it records.
    pub fn with_notify(notify: N) -> Self {
        SifiveTest { action: None, notify }
    }

    /// A finisher in `state`; a pending request is notified again.
    pub fn from_state(state: &SifiveTestState, notify: N) -> Self {
        let mut t = SifiveTest { action: state.action, notify };
        if let Some(a) = t.action {
            (t.notify)(a);
        }
        t
    }

    /// The state, as plain data.
    pub fn state(&self) -> SifiveTestState {
        SifiveTestState { action: self.action }
    }

    /// The request not yet taken.
    pub fn action(&self) -> Option<FinisherAction> {
        self.action
    }

    /// Takes the request (after a reset, the machine takes it so the next
    /// one can be recorded).
    pub fn take_action(&mut self) -> Option<FinisherAction> {
        self.action.take()
    }

    fn decode(value: u64, size: MemSize) -> Option<FinisherAction> {
        let status = value as u16;
        let code = if size == MemSize::B4 { (value >> 16) as u16 } else { 0 };
        match status {
            FINISHER_PASS => Some(FinisherAction::Pass),
            FINISHER_FAIL => Some(FinisherAction::Fail(code)),
            FINISHER_RESET => Some(FinisherAction::Reset),
            _ => None,
        }
    }
}

impl<N: FnMut(FinisherAction)> MmioDevice for SifiveTest<N> {
    fn read(&mut self, _offset: u64, size: MemSize) -> Result<u64, BusError> {
        match size {
            MemSize::B2 | MemSize::B4 => Ok(0),
            _ => Err(BusError),
        }
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        if !matches!(size, MemSize::B2 | MemSize::B4) {
            return Err(BusError);
        }
        if offset == 0
            && self.action.is_none()
            && let Some(a) = Self::decode(value, size)
        {
            self.action = Some(a);
            (self.notify)(a);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use alloc::vec::Vec;

    use super::*;

    #[test]
    fn finisher_codes() {
        let mut t = SifiveTest::new();
        // Linux's syscon-poweroff: a 32-bit write of 0x5555.
        t.write(0, MemSize::B4, 0x5555).unwrap();
        assert_eq!(t.take_action(), Some(FinisherAction::Pass));
        // syscon-reboot.
        t.write(0, MemSize::B4, 0x7777).unwrap();
        assert_eq!(t.take_action(), Some(FinisherAction::Reset));
        // A failing test with its code; the high bits of a 64-bit register
        // value beyond the access do not matter.
        t.write(0, MemSize::B4, 0xffff_ffff_002a_3333).unwrap();
        assert_eq!(t.take_action(), Some(FinisherAction::Fail(42)));
        // OpenSBI's 16-bit writes: no code.
        t.write(0, MemSize::B2, 0x3333).unwrap();
        assert_eq!(t.take_action(), Some(FinisherAction::Fail(0)));
        t.write(0, MemSize::B2, 0x5555).unwrap();
        assert_eq!(t.take_action(), Some(FinisherAction::Pass));
        // Unknown statuses and other offsets are ignored.
        t.write(0, MemSize::B4, 0x1234).unwrap();
        t.write(4, MemSize::B4, 0x5555).unwrap();
        assert_eq!(t.action(), None);
        assert_eq!(t.read(0, MemSize::B4), Ok(0));
        assert_eq!(t.read(0, MemSize::B1), Err(BusError));
        assert_eq!(t.write(0, MemSize::B8, 0x5555), Err(BusError));
        assert_eq!(t.action(), None);
    }

    #[test]
    fn first_request_stands_and_is_notified() {
        let mut seen = Vec::new();
        let mut t = SifiveTest::with_notify(|a| seen.push(a));
        t.write(0, MemSize::B4, 0x0001_3333).unwrap();
        t.write(0, MemSize::B4, 0x5555).unwrap();
        assert_eq!(t.action(), Some(FinisherAction::Fail(1)));
        assert_eq!(t.take_action(), Some(FinisherAction::Fail(1)));
        t.write(0, MemSize::B4, 0x7777).unwrap();
        assert_eq!(seen, [FinisherAction::Fail(1), FinisherAction::Reset]);
    }

    #[test]
    fn save_restore_behaves_identically() {
        for first in [None, Some(0x5555u64), Some(0x0007_3333)] {
            let mut a = SifiveTest::new();
            if let Some(v) = first {
                a.write(0, MemSize::B4, v).unwrap();
            }
            let mut notified = 0;
            let mut b = SifiveTest::from_state(&a.state(), |_| notified += 1);
            assert_eq!(b.state(), a.state());
            for v in [0x7777, 0x5555] {
                a.write(0, MemSize::B4, v).unwrap();
                b.write(0, MemSize::B4, v).unwrap();
                assert_eq!(a.take_action(), b.take_action());
            }
            assert_eq!(notified, 2);
        }
    }

    #[test]
    fn random_accesses_never_panic() {
        let mut x = 0x7e57u64;
        let sizes = [MemSize::B1, MemSize::B2, MemSize::B4, MemSize::B8];
        let mut t = SifiveTest::new();
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let offset = if x & 1 == 0 { x >> 60 } else { x };
            let size = sizes[(x >> 1 & 3) as usize];
            if x >> 3 & 1 == 0 {
                let _ = t.read(offset, size);
            } else {
                let _ = t.write(offset, size, x.rotate_left(17));
            }
            if x >> 4 & 1 == 0 {
                t.take_action();
            }
        }
    }
}
