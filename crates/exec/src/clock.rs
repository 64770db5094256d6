//! Virtual time: the clock devices read (`mtime`, the generic timer, the
//! HPET...) and timers are set against.
//!
//! Two modes (DESIGN.md decision 10):
//!
//! * **Real time**: virtual time is the host's monotonic clock (supplied by
//!   the host as a [`HostClock`], since components have no `std`), counted
//!   from the clock's creation.
//! * **Deterministic**: virtual time is a function of the guest
//!   instructions retired, `ns = icount << shift` (like QEMU's `-icount`),
//!   plus the time skipped while every vCPU waited ([`Clock::warp_to`]).
//!   The same machine and inputs give the same time at every instruction,
//!   bit for bit, on any host.
//!
//! The vCPU loop adds the instructions it retires after every block, so a
//! device that reads the clock in the middle of a block sees the time at the
//! start of that block.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// The host's monotonic clock.
pub trait HostClock: Send + Sync {
    /// Nanoseconds since some fixed point; never decreases.
    fn now_ns(&self) -> u64;
}

/// How virtual time advances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockMode {
    /// The host's monotonic clock.
    RealTime,
    /// `2^shift` nanoseconds per retired guest instruction.
    Deterministic { shift: u8 },
}

struct Inner {
    mode: ClockMode,
    host: Option<Box<dyn HostClock>>,
    /// Host time at creation (real time).
    start: u64,
    /// Guest instructions retired by every vCPU on this clock.
    icount: AtomicU64,
    /// Nanoseconds skipped by `warp_to` (deterministic mode).
    warp: AtomicU64,
}

/// A virtual clock, shared by the vCPU loops and the devices of one machine
/// (cloning shares it).
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("mode", &self.inner.mode)
            .field("icount", &self.icount())
            .field("now", &self.now())
            .finish()
    }
}

impl Clock {
    /// A real-time clock reading `host`; it reads 0 now.
    pub fn real_time(host: Box<dyn HostClock>) -> Clock {
        let start = host.now_ns();
        Clock::with(ClockMode::RealTime, Some(host), start)
    }

    /// A deterministic clock of `2^shift` ns per instruction (`shift` is
    /// capped at 30, about one second per instruction).
    pub fn deterministic(shift: u8) -> Clock {
        Clock::with(ClockMode::Deterministic { shift: shift.min(30) }, None, 0)
    }

    fn with(mode: ClockMode, host: Option<Box<dyn HostClock>>, start: u64) -> Clock {
        let inner = Inner { mode, host, start, icount: AtomicU64::new(0), warp: AtomicU64::new(0) };
        Clock { inner: Arc::new(inner) }
    }

    pub fn mode(&self) -> ClockMode {
        self.inner.mode
    }

    pub fn is_deterministic(&self) -> bool {
        matches!(self.inner.mode, ClockMode::Deterministic { .. })
    }

    /// The virtual time in nanoseconds.
    #[inline]
    pub fn now(&self) -> u64 {
        match self.inner.mode {
            ClockMode::Deterministic { shift } => {
                let run = self.icount().saturating_mul(1 << shift);
                run.saturating_add(self.inner.warp.load(Ordering::Relaxed))
            }
            ClockMode::RealTime => match &self.inner.host {
                Some(h) => h.now_ns().saturating_sub(self.inner.start),
                None => 0,
            },
        }
    }

    /// Guest instructions retired so far (by every vCPU on this clock).
    #[inline]
    pub fn icount(&self) -> u64 {
        self.inner.icount.load(Ordering::Relaxed)
    }

    /// Counts `insns` retired instructions (the vCPU loop does this).
    #[inline]
    pub(crate) fn retire(&self, insns: u64) {
        if insns != 0 {
            self.inner.icount.fetch_add(insns, Ordering::Relaxed);
        }
    }

    /// Instructions to retire until `deadline`, in deterministic mode (0 if
    /// it has passed); `None` in real time.
    pub fn insns_until(&self, deadline: u64) -> Option<u64> {
        match self.inner.mode {
            ClockMode::Deterministic { shift } => {
                let left = deadline.saturating_sub(self.now());
                Some(left.div_ceil(1 << shift))
            }
            ClockMode::RealTime => None,
        }
    }

    /// Deterministic mode: makes the time at least `deadline`, for a host
    /// whose vCPUs all wait ([`RunExit::Halted`](crate::RunExit)) — the
    /// time a real machine would spend idle passes at once. No effect in
    /// real time, where the host sleeps instead.
    pub fn warp_to(&self, deadline: u64) {
        if self.is_deterministic() {
            let now = self.now();
            if deadline > now {
                self.inner.warp.fetch_add(deadline - now, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_time_follows_the_instruction_count() {
        let c = Clock::deterministic(3);
        c.retire(10);
        assert_eq!((c.icount(), c.now()), (10, 80));
        assert_eq!(c.insns_until(100), Some(3));
        assert_eq!(c.insns_until(50), Some(0));
        c.warp_to(1000);
        assert_eq!(c.now(), 1000);
        c.retire(1);
        assert_eq!(c.now(), 1008);
        c.warp_to(10);
        assert_eq!(c.now(), 1008);
    }

    #[test]
    fn real_time_reads_the_host() {
        struct Fixed(AtomicU64);
        impl HostClock for Fixed {
            fn now_ns(&self) -> u64 {
                self.0.fetch_add(5, Ordering::Relaxed)
            }
        }
        let c = Clock::real_time(Box::new(Fixed(AtomicU64::new(100))));
        assert_eq!(c.now(), 5);
        assert_eq!(c.insns_until(1000), None);
        c.warp_to(1_000_000);
        assert!(c.now() < 1000);
    }
}
