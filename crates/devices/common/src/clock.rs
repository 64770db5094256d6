//! Virtual time as devices see it: a clock to read and one timer to arm.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

/// A device's view of virtual time (DESIGN.md decision 10: in deterministic
/// mode this is a function of the instruction count, so devices must take
/// all their time from here).
///
/// A machine implements it over the vCPU loop's clock and timer queue:
/// `now_ns` reads `wemu_exec::Clock::now`, `set_timer` arms the device's
/// own `wemu_exec::Timer`, and when that timer expires the machine calls the
/// device's `update()` method.
pub trait Clock {
    /// Virtual time in nanoseconds; never decreases.
    fn now_ns(&self) -> u64;

    /// Asks for one call of the device's `update()` once virtual time
    /// reaches `deadline_ns`, replacing any earlier request; `None` cancels.
    /// A deadline already past asks for the call as soon as possible. The
    /// device tolerates early, late and spurious calls (it rechecks the time).
    fn set_timer(&mut self, deadline_ns: Option<u64>);
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_ns(&self) -> u64 {
        (**self).now_ns()
    }
    fn set_timer(&mut self, deadline_ns: Option<u64>) {
        (**self).set_timer(deadline_ns)
    }
}

/// Wall-clock time, read by real-time-clock devices once, when they are
/// created; from then on they advance with the virtual [`Clock`].
pub trait WallClock {
    /// Nanoseconds since the Unix epoch (1970-01-01T00:00:00Z).
    fn unix_time_ns(&self) -> u64;
}

/// A wall clock stopped at one instant (deterministic runs and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedWallClock(pub u64);

impl WallClock for FixedWallClock {
    fn unix_time_ns(&self) -> u64 {
        self.0
    }
}

#[derive(Debug)]
struct ManualInner {
    now: AtomicU64,
    deadline: AtomicU64,
}

/// A clock that moves only when told to, remembering the timer a device
/// asked for. Cloning shares it: keep one clone, give the device another.
///
/// ```
/// use wemu_dev_common::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let mut device_side = clock.clone();
/// device_side.set_timer(Some(500));
/// clock.advance(200);
/// assert_eq!((device_side.now_ns(), clock.deadline()), (200, Some(500)));
/// assert!(!clock.expired());
/// clock.advance(300);
/// assert!(clock.expired());
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl ManualClock {
    /// A clock at time 0 with no timer armed.
    pub fn new() -> ManualClock {
        let inner = ManualInner { now: AtomicU64::new(0), deadline: AtomicU64::new(u64::MAX) };
        ManualClock { inner: Arc::new(inner) }
    }

    /// Sets the time (it may go backwards here; real clocks don't).
    pub fn set_now(&self, ns: u64) {
        self.inner.now.store(ns, Ordering::Relaxed);
    }

    /// Moves the time forward by `ns` (saturating).
    pub fn advance(&self, ns: u64) {
        let now = self.inner.now.load(Ordering::Relaxed);
        self.set_now(now.saturating_add(ns));
    }

    /// The deadline the device asked for.
    pub fn deadline(&self) -> Option<u64> {
        match self.inner.deadline.load(Ordering::Relaxed) {
            u64::MAX => None,
            d => Some(d),
        }
    }

    /// Whether the requested deadline has been reached.
    pub fn expired(&self) -> bool {
        self.deadline().is_some_and(|d| d <= self.inner.now.load(Ordering::Relaxed))
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.inner.now.load(Ordering::Relaxed)
    }

    fn set_timer(&mut self, deadline_ns: Option<u64>) {
        self.inner.deadline.store(deadline_ns.unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}
