//! The RISC-V Platform-Level Interrupt Controller, per the "RISC-V
//! Platform-Level Interrupt Controller Specification" 1.0.0, as on QEMU's
//! riscv64 `virt` board: at 0x0c00_0000 with 96 interrupt sources (source
//! 0 does not exist), 3 priority bits (priorities 0..=7, 0 meaning "never
//! interrupt"), and two contexts per hart — context `2h` is hart `h`'s
//! M-mode (MEIP), `2h + 1` its S-mode (SEIP).
//!
//! * **Sources** are level-triggered. [`Plic::set_source`] is the wire
//!   from a device; the source's gateway turns a high level into one
//!   request (the pending bit) and sends no other until the handler
//!   completes the interrupt (spec §2 "Interrupt Gateways"). A request
//!   stays pending if the level drops before it is claimed (spec §2).
//! * **Claim** (reading a context's claim/complete register) returns the
//!   pending, enabled source of highest priority above the context's
//!   threshold — ties go to the lowest ID — clears its pending bit and
//!   holds the gateway; 0 when there is none. Like QEMU, the threshold
//!   applies to claims as well as to the notification.
//! * **Complete** (writing an ID to claim/complete) releases the gateway,
//!   which at once makes a new request if the level is still high. A
//!   completion for a source not enabled in that context is ignored
//!   (spec §8 "Interrupt Completion").
//! * **Outputs**: context `c` is line `c` of the [`IrqSink`], high while a
//!   pending source enabled in `c` has a priority above `c`'s threshold.
//!
//! Register map (spec §3 "Memory Map"): source priorities from 0x0
//! (4 bytes each), pending bits from 0x1000, enable bits from 0x2000
//! (0x80 bytes per context), then per context at 0x20_0000 + 0x1000 × c the
//! priority threshold (+0) and claim/complete (+4).
//!
//! Guest accesses never panic. Every register is 32 bits wide: an access
//! of another size, or not 4-aligned, is a [`BusError`] (QEMU likewise
//! rejects it). Offsets naming nothing — reserved space, sources or
//! contexts that do not exist, source 0 — read 0 and ignore writes;
//! pending bits are read-only; priority and threshold keep their low three
//! bits (WARL).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{BusError, IrqSink, MemSize, MmioDevice};

#[cfg(test)]
mod tests;

/// Base of the PLIC on riscv64 `virt`.
pub const VIRT_BASE: u64 = 0x0c00_0000;
/// Size of the window QEMU's `virt` reserves for it.
pub const VIRT_SIZE: u64 = 0x60_0000;
/// Interrupt sources on riscv64 `virt` (IDs 0..=95, 0 reserved).
pub const VIRT_SOURCES: u32 = 96;

/// Most sources the register map has room for (spec: 1024 IDs).
pub const MAX_SOURCES: u32 = 1024;
/// Most contexts the register map has room for.
pub const MAX_CONTEXTS: u32 = 15872;
/// The implemented priority bits: priorities and thresholds are 0..=7.
pub const PRIORITY_MASK: u32 = 7;

/// Source priorities, one 32-bit word per source ID.
pub const PRIORITY_BASE: u64 = 0x0;
/// Pending bits, one bit per source ID.
pub const PENDING_BASE: u64 = 0x1000;
/// Enable bits of context 0; each context has [`ENABLE_STRIDE`] bytes.
pub const ENABLE_BASE: u64 = 0x2000;
pub const ENABLE_STRIDE: u64 = 0x80;
/// Threshold and claim/complete of context 0; each context has
/// [`CONTEXT_STRIDE`] bytes.
pub const CONTEXT_BASE: u64 = 0x20_0000;
pub const CONTEXT_STRIDE: u64 = 0x1000;
/// Offset of the priority threshold in a context's block.
pub const CONTEXT_THRESHOLD: u64 = 0x0;
/// Offset of claim/complete in a context's block.
pub const CONTEXT_CLAIM: u64 = 0x4;

/// The state of a [`Plic`], as plain data. Bit sets are 32-bit words, bit
/// `n % 32` of word `n / 32` for source `n`, as in the register map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PlicState {
    pub num_sources: u32,
    pub num_contexts: u32,
    /// Per source ID.
    pub priority: Vec<u32>,
    /// The input level of each source.
    pub level: Vec<u32>,
    pub pending: Vec<u32>,
    /// Sources claimed and not yet completed (their gateways wait).
    pub claimed: Vec<u32>,
    /// `num_contexts` runs of `num_sources.div_ceil(32)` words.
    pub enable: Vec<u32>,
    /// Per context.
    pub threshold: Vec<u32>,
}

/// A PLIC: sources in through [`Plic::set_source`], one output per context
/// through an [`IrqSink`].
///
/// ```
/// use wemu_dev_common::{IrqLevels, MemSize, MmioDevice};
/// use wemu_dev_plic::{CONTEXT_BASE, CONTEXT_CLAIM, ENABLE_BASE, Plic};
///
/// let lines = IrqLevels::new(2); // one hart: M and S contexts
/// let mut plic = Plic::virt(1, lines.clone());
/// plic.write(10 * 4, MemSize::B4, 1).unwrap(); // priority of source 10
/// plic.write(ENABLE_BASE, MemSize::B4, 1 << 10).unwrap(); // context 0
/// plic.set_source(10, true); // the UART raises its line
/// assert!(lines.level(0));
/// assert_eq!(plic.read(CONTEXT_BASE + CONTEXT_CLAIM, MemSize::B4), Ok(10));
/// assert!(!lines.level(0));
/// plic.set_source(10, false); // serviced
/// plic.write(CONTEXT_BASE + CONTEXT_CLAIM, MemSize::B4, 10).unwrap();
/// ```
#[derive(Debug)]
pub struct Plic<S> {
    sink: S,
    num_sources: u32,
    num_contexts: u32,
    /// Words per bit set (`num_sources.div_ceil(32)`).
    words: usize,
    priority: Vec<u32>,
    level: Vec<u32>,
    pending: Vec<u32>,
    claimed: Vec<u32>,
    enable: Vec<u32>,
    threshold: Vec<u32>,
    /// The level last sent on each context's line.
    output: Vec<bool>,
}

fn bit(set: &[u32], n: u32) -> bool {
    set.get((n / 32) as usize).is_some_and(|w| w >> (n % 32) & 1 != 0)
}

fn set_bit(set: &mut [u32], n: u32, value: bool) {
    if let Some(w) = set.get_mut((n / 32) as usize) {
        if value {
            *w |= 1 << (n % 32);
        } else {
            *w &= !(1 << (n % 32));
        }
    }
}

/// `v` resized to `len` words (missing ones 0).
fn fit(v: &[u32], len: usize) -> Vec<u32> {
    let mut out = vec![0; len];
    for (o, i) in out.iter_mut().zip(v) {
        *o = *i;
    }
    out
}

impl<S: IrqSink> Plic<S> {
    /// A PLIC with `num_sources` source IDs (clamped to 1..=1024; ID 0 is
    /// reserved) and `num_contexts` contexts (clamped to 0..=15872), in its
    /// reset state: everything 0, all outputs low.
    pub fn new(num_sources: u32, num_contexts: u32, sink: S) -> Self {
        let state = PlicState { num_sources, num_contexts, ..PlicState::default() };
        Self::from_state(&state, sink)
    }

    /// The PLIC of riscv64 `virt` for `harts` harts: 96 sources, contexts
    /// `2h` (M-mode) and `2h + 1` (S-mode) for hart `h`.
    pub fn virt(harts: u32, sink: S) -> Self {
        Self::new(VIRT_SOURCES, harts.saturating_mul(2), sink)
    }

    /// A PLIC in `state`, which may come from anywhere: the geometry is
    /// clamped as in [`Plic::new`], missing words are 0, extra ones are
    /// dropped, bits of nonexistent sources cleared. Drives every output to
    /// its restored level.
    pub fn from_state(state: &PlicState, sink: S) -> Self {
        let num_sources = state.num_sources.clamp(1, MAX_SOURCES);
        let num_contexts = state.num_contexts.min(MAX_CONTEXTS);
        let words = num_sources.div_ceil(32) as usize;
        let contexts = num_contexts as usize;
        let mut plic = Plic {
            sink,
            num_sources,
            num_contexts,
            words,
            priority: fit(&state.priority, num_sources as usize),
            level: fit(&state.level, words),
            pending: fit(&state.pending, words),
            claimed: fit(&state.claimed, words),
            enable: fit(&state.enable, contexts * words),
            threshold: fit(&state.threshold, contexts),
            output: vec![false; contexts],
        };
        for p in plic.priority.iter_mut().chain(plic.threshold.iter_mut()) {
            *p &= PRIORITY_MASK;
        }
        let valid = plic.source_mask();
        for set in [&mut plic.level, &mut plic.pending, &mut plic.claimed] {
            for (w, m) in set.iter_mut().zip(&valid) {
                *w &= m;
            }
        }
        for ctx in plic.enable.chunks_mut(words) {
            for (w, m) in ctx.iter_mut().zip(&valid) {
                *w &= m;
            }
        }
        for ctx in 0..num_contexts {
            let level = plic.compute_output(ctx);
            plic.output[ctx as usize] = level;
            plic.sink.set_irq(ctx, level);
        }
        plic
    }

    /// The state, as plain data.
    pub fn state(&self) -> PlicState {
        PlicState {
            num_sources: self.num_sources,
            num_contexts: self.num_contexts,
            priority: self.priority.clone(),
            level: self.level.clone(),
            pending: self.pending.clone(),
            claimed: self.claimed.clone(),
            enable: self.enable.clone(),
            threshold: self.threshold.clone(),
        }
    }

    pub fn num_sources(&self) -> u32 {
        self.num_sources
    }

    pub fn num_contexts(&self) -> u32 {
        self.num_contexts
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The level of context `ctx`'s output.
    pub fn output(&self, ctx: u32) -> bool {
        self.output.get(ctx as usize).copied().unwrap_or(false)
    }

    /// Whether source `n` has a request pending.
    pub fn is_pending(&self, n: u32) -> bool {
        bit(&self.pending, n)
    }

    /// Sets the input level of source `n` (the wire from a device).
    /// Source 0 and IDs past the last source are ignored.
    pub fn set_source(&mut self, n: u32, level: bool) {
        if n == 0 || n >= self.num_sources {
            return;
        }
        set_bit(&mut self.level, n, level);
        if level && !bit(&self.claimed, n) && !bit(&self.pending, n) {
            set_bit(&mut self.pending, n, true);
            self.update_outputs();
        }
    }

    /// The bits of the sources that exist (1..num_sources).
    fn source_mask(&self) -> Vec<u32> {
        (0..self.words)
            .map(|w| {
                let lo = w as u32 * 32;
                let mut m = u32::MAX;
                if lo == 0 {
                    m &= !1;
                }
                let left = self.num_sources - lo;
                if left < 32 {
                    m &= (1 << left) - 1;
                }
                m
            })
            .collect()
    }

    fn enables(&self, ctx: u32) -> &[u32] {
        let start = ctx as usize * self.words;
        self.enable.get(start..start + self.words).unwrap_or(&[])
    }

    /// The pending, enabled source of highest priority above `ctx`'s
    /// threshold (lowest ID among equals), or 0.
    fn best(&self, ctx: u32) -> u32 {
        let Some(&threshold) = self.threshold.get(ctx as usize) else { return 0 };
        let mut best = (0, threshold);
        for (w, (&p, &e)) in self.pending.iter().zip(self.enables(ctx)).enumerate() {
            let mut bits = p & e;
            while bits != 0 {
                let n = w as u32 * 32 + bits.trailing_zeros();
                bits &= bits - 1;
                let prio = self.priority.get(n as usize).copied().unwrap_or(0);
                if prio > best.1 {
                    best = (n, prio);
                }
            }
        }
        best.0
    }

    fn compute_output(&self, ctx: u32) -> bool {
        self.best(ctx) != 0
    }

    fn update_outputs(&mut self) {
        for ctx in 0..self.num_contexts {
            let level = self.compute_output(ctx);
            if let Some(out) = self.output.get_mut(ctx as usize)
                && *out != level
            {
                *out = level;
                self.sink.set_irq(ctx, level);
            }
        }
    }

    /// A claim by context `ctx` (spec §7).
    pub fn claim(&mut self, ctx: u32) -> u32 {
        let n = self.best(ctx);
        if n != 0 {
            set_bit(&mut self.pending, n, false);
            set_bit(&mut self.claimed, n, true);
            self.update_outputs();
        }
        n
    }

    /// A completion of source `n` by context `ctx` (spec §8).
    pub fn complete(&mut self, ctx: u32, n: u32) {
        if n == 0 || n >= self.num_sources || !bit(self.enables(ctx), n) {
            return;
        }
        set_bit(&mut self.claimed, n, false);
        if bit(&self.level, n) && !bit(&self.pending, n) {
            set_bit(&mut self.pending, n, true);
            self.update_outputs();
        }
    }

    fn read_reg(&mut self, offset: u64) -> u32 {
        match offset {
            PRIORITY_BASE..PENDING_BASE => {
                self.priority.get(((offset - PRIORITY_BASE) / 4) as usize).copied().unwrap_or(0)
            }
            PENDING_BASE..ENABLE_BASE => self.pending.get(((offset - PENDING_BASE) / 4) as usize).copied().unwrap_or(0),
            ENABLE_BASE..CONTEXT_BASE => {
                self.enable_index(offset).and_then(|i| self.enable.get(i)).copied().unwrap_or(0)
            }
            _ => match self.context_reg(offset) {
                Some((ctx, CONTEXT_THRESHOLD)) => self.threshold.get(ctx as usize).copied().unwrap_or(0),
                Some((ctx, CONTEXT_CLAIM)) => self.claim(ctx),
                _ => 0,
            },
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32) {
        match offset {
            PRIORITY_BASE..PENDING_BASE => {
                let n = ((offset - PRIORITY_BASE) / 4) as u32;
                if n != 0
                    && let Some(p) = self.priority.get_mut(n as usize)
                {
                    *p = value & PRIORITY_MASK;
                    self.update_outputs();
                }
            }
            // Pending bits are read-only (spec §5).
            PENDING_BASE..ENABLE_BASE => {}
            ENABLE_BASE..CONTEXT_BASE => {
                if let Some(i) = self.enable_index(offset) {
                    let mask = self.source_mask().get(i % self.words).copied().unwrap_or(0);
                    if let Some(e) = self.enable.get_mut(i) {
                        *e = value & mask;
                        self.update_outputs();
                    }
                }
            }
            _ => match self.context_reg(offset) {
                Some((ctx, CONTEXT_THRESHOLD)) => {
                    if let Some(t) = self.threshold.get_mut(ctx as usize) {
                        *t = value & PRIORITY_MASK;
                        self.update_outputs();
                    }
                }
                Some((ctx, CONTEXT_CLAIM)) => self.complete(ctx, value),
                _ => {}
            },
        }
    }

    /// The index in `enable` of the word at `offset` (in the enable block),
    /// if it belongs to an existing context and source.
    fn enable_index(&self, offset: u64) -> Option<usize> {
        let rel = offset.checked_sub(ENABLE_BASE)?;
        let ctx = rel / ENABLE_STRIDE;
        let word = (rel % ENABLE_STRIDE / 4) as usize;
        (ctx < u64::from(self.num_contexts) && word < self.words).then(|| ctx as usize * self.words + word)
    }

    /// The context and register offset named by `offset` (in the context
    /// blocks), if the context exists.
    fn context_reg(&self, offset: u64) -> Option<(u32, u64)> {
        let rel = offset.checked_sub(CONTEXT_BASE)?;
        let ctx = rel / CONTEXT_STRIDE;
        (ctx < u64::from(self.num_contexts)).then_some((ctx as u32, rel % CONTEXT_STRIDE))
    }
}

impl<S: IrqSink> MmioDevice for Plic<S> {
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
