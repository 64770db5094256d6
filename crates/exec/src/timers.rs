//! The timer queue: devices arm virtual deadlines, the vCPU loop notices
//! them at block boundaries and reports the expired ones to the
//! [`Machine`](crate::Machine).
//!
//! A device keeps a [`Timer`] handle and arms it from anywhere — typically
//! from an MMIO write in the middle of a block (a guest writing
//! `mtimecmp`). Arming is one atomic store and a flag, so handles can live
//! inside devices that the address space owns, and on other threads. The
//! queue itself is owned by the machine and lent to the loop.
//!
//! Expiry order is deterministic: by deadline, then by timer id.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::Clock;

/// The name of a timer, given by [`TimerQueue::new_timer`] in creation
/// order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u32);

/// The deadline of a disarmed timer.
const DISARMED: u64 = u64::MAX;

#[derive(Debug)]
struct Slot {
    deadline: AtomicU64,
}

/// A device's handle on one timer of a [`TimerQueue`].
#[derive(Clone, Debug)]
pub struct Timer {
    id: TimerId,
    slot: Arc<Slot>,
    changed: Arc<AtomicBool>,
}

impl Timer {
    pub fn id(&self) -> TimerId {
        self.id
    }

    /// Arms the timer for virtual time `deadline` (ns), replacing any
    /// earlier deadline. A deadline in the past fires at the next block
    /// boundary. `u64::MAX` disarms.
    pub fn arm(&self, deadline: u64) {
        self.slot.deadline.store(deadline, Ordering::Relaxed);
        self.changed.store(true, Ordering::Release);
    }

    /// Disarms the timer.
    pub fn cancel(&self) {
        self.arm(DISARMED)
    }

    /// The armed deadline.
    pub fn deadline(&self) -> Option<u64> {
        match self.slot.deadline.load(Ordering::Relaxed) {
            DISARMED => None,
            d => Some(d),
        }
    }
}

/// The timers of one machine, against one [`Clock`].
#[derive(Debug)]
pub struct TimerQueue {
    clock: Clock,
    slots: Vec<Arc<Slot>>,
    changed: Arc<AtomicBool>,
}

impl TimerQueue {
    pub fn new(clock: Clock) -> TimerQueue {
        TimerQueue { clock, slots: Vec::new(), changed: Arc::new(AtomicBool::new(false)) }
    }

    /// The clock deadlines are measured on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A new, disarmed timer for a device.
    pub fn new_timer(&mut self) -> Timer {
        let id = TimerId(self.slots.len() as u32);
        let slot = Arc::new(Slot { deadline: AtomicU64::new(DISARMED) });
        self.slots.push(slot.clone());
        Timer { id, slot, changed: self.changed.clone() }
    }

    /// The earliest armed deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        self.slots.iter().map(|s| s.deadline.load(Ordering::Relaxed)).filter(|&d| d != DISARMED).min()
    }

    /// Whether a timer was armed or cancelled since the last call (the
    /// loop caches the next deadline).
    pub(crate) fn take_changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed) && self.changed.swap(false, Ordering::Acquire)
    }

    /// Whether a timer was armed or cancelled since the last
    /// [`TimerQueue::take_changed`], without clearing it.
    pub(crate) fn changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed)
    }

    /// Disarms every timer whose deadline is at or before `now` and calls
    /// `f` on each, earliest deadline first (then by id). A timer that `f`
    /// re-arms in the past fires at the next call.
    pub fn expire(&mut self, now: u64, mut f: impl FnMut(TimerId)) {
        let mut due: Vec<(u64, TimerId)> = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            let d = s.deadline.load(Ordering::Relaxed);
            if d != DISARMED && d <= now {
                s.deadline.store(DISARMED, Ordering::Relaxed);
                due.push((d, TimerId(i as u32)));
            }
        }
        due.sort_unstable();
        for (_, id) in due {
            f(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_expire_in_deadline_order() {
        let mut q = TimerQueue::new(Clock::deterministic(0));
        let (a, b, c) = (q.new_timer(), q.new_timer(), q.new_timer());
        assert_eq!(q.next_deadline(), None);
        a.arm(30);
        b.arm(10);
        c.arm(500);
        assert!(q.take_changed());
        assert!(!q.take_changed());
        assert_eq!(q.next_deadline(), Some(10));
        let mut fired = Vec::new();
        q.expire(30, |id| fired.push(id));
        assert_eq!(fired, [b.id(), a.id()]);
        assert_eq!((a.deadline(), c.deadline()), (None, Some(500)));
        c.cancel();
        assert_eq!(q.next_deadline(), None);
    }
}
