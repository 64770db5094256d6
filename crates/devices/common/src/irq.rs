//! Interrupt outputs: one line ([`IrqLine`]) or many numbered lines
//! ([`IrqSink`]), and plain implementations of both.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// One interrupt output of a device, driven as a level.
///
/// Implemented for closures, so a machine can wire a device's output to
/// anything: `move |level| plic.lock().set_source(10, level)`.
pub trait IrqLine {
    /// Sets the level of the line (`true`: asserted).
    fn set(&mut self, level: bool);
}

impl<F: FnMut(bool)> IrqLine for F {
    fn set(&mut self, level: bool) {
        self(level)
    }
}

/// Many numbered interrupt outputs of one device (a PLIC's contexts, an
/// ACLINT's per-hart lines), driven as levels. The device documents what
/// each number means.
///
/// Implemented for closures `FnMut(line, level)`.
pub trait IrqSink {
    /// Sets the level of output `line`.
    fn set_irq(&mut self, line: u32, level: bool);
}

impl<F: FnMut(u32, bool)> IrqSink for F {
    fn set_irq(&mut self, line: u32, level: bool) {
        self(line, level)
    }
}

/// An output connected to nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoIrq;

impl IrqLine for NoIrq {
    fn set(&mut self, _: bool) {}
}

impl IrqSink for NoIrq {
    fn set_irq(&mut self, _: u32, _: bool) {}
}

/// One line of an [`IrqSink`], as an [`IrqLine`].
#[derive(Clone, Debug)]
pub struct SinkLine<S> {
    pub sink: S,
    pub line: u32,
}

impl<S> SinkLine<S> {
    pub fn new(sink: S, line: u32) -> SinkLine<S> {
        SinkLine { sink, line }
    }
}

impl<S: IrqSink> IrqLine for SinkLine<S> {
    fn set(&mut self, level: bool) {
        self.sink.set_irq(self.line, level)
    }
}

/// A shared set of interrupt levels, one bit per line, readable from any
/// thread without a lock. Cloning shares the levels.
///
/// It is an [`IrqSink`] (writes to lines past the end are ignored), so a
/// device can drive it while the vCPU loop reads it: give a PLIC an
/// `IrqLevels` of `2 * harts` lines and hart `h` has its MEIP at bit
/// `2h`, its SEIP at `2h + 1`.
///
/// ```
/// use wemu_dev_common::{IrqLevels, IrqSink};
///
/// let levels = IrqLevels::new(4);
/// let mut device_side = levels.clone();
/// device_side.set_irq(2, true);
/// device_side.set_irq(99, true); // no such line: ignored
/// assert!(levels.level(2));
/// assert_eq!(levels.word(0), 0b100);
/// ```
#[derive(Clone, Debug)]
pub struct IrqLevels {
    words: Arc<[AtomicU64]>,
    lines: u32,
}

impl IrqLevels {
    /// `lines` lines, all low.
    pub fn new(lines: u32) -> IrqLevels {
        let words: Vec<AtomicU64> = (0..lines.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        IrqLevels { words: words.into(), lines }
    }

    /// The number of lines.
    pub fn lines(&self) -> u32 {
        self.lines
    }

    /// The level of `line` (`false` past the end).
    pub fn level(&self, line: u32) -> bool {
        (self.word(line / 64) >> (line % 64)) & 1 != 0
    }

    /// Lines `64 * index .. 64 * index + 63` as bits (0 past the end).
    pub fn word(&self, index: u32) -> u64 {
        self.words.get(index as usize).map_or(0, |w| w.load(Ordering::Acquire))
    }

    /// One line of this set, as an [`IrqLine`].
    pub fn line(&self, line: u32) -> SinkLine<IrqLevels> {
        SinkLine::new(self.clone(), line)
    }
}

impl IrqSink for IrqLevels {
    fn set_irq(&mut self, line: u32, level: bool) {
        if line >= self.lines {
            return;
        }
        if let Some(w) = self.words.get((line / 64) as usize) {
            let bit = 1u64 << (line % 64);
            if level {
                w.fetch_or(bit, Ordering::AcqRel);
            } else {
                w.fetch_and(!bit, Ordering::AcqRel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_and_sink_lines_are_outputs() {
        let mut seen = Vec::new();
        {
            let mut line = |level| seen.push(level);
            line.set(true);
            line.set(false);
        }
        assert_eq!(seen, [true, false]);

        let levels = IrqLevels::new(130);
        let mut l = levels.line(129);
        l.set(true);
        assert!(levels.level(129));
        assert_eq!(levels.word(2), 0b10);
        l.set(false);
        assert!(!levels.level(129));
        assert_eq!(levels.word(7), 0);
        assert!(!levels.level(u32::MAX));
        NoIrq.set(true);
        NoIrq.set_irq(3, true);
    }
}
