//! What wemu device models need from the world around them, as small traits
//! a machine implements: interrupt outputs ([`IrqLine`], [`IrqSink`]),
//! virtual time ([`Clock`], [`WallClock`]) and console bytes
//! ([`CharBackend`]). A device crate depends on this one and on nothing of
//! its host, the way rust-vmm's `vm-superio` devices take a `Trigger`.
//!
//! # The wiring model
//!
//! A machine is a value (DESIGN.md decision 1): there is no global registry
//! of interrupt numbers or timers. Instead every device *owns* its
//! connections, given to it at construction as type parameters:
//!
//! * **Interrupt outputs are levels.** A device with one output (a UART, an
//!   RTC) takes an [`IrqLine`]; a device with many numbered outputs takes one
//!   [`IrqSink`] and documents its numbering — the PLIC drives line `c` for
//!   its context `c` (on riscv64 `virt`: context `2h` is hart `h`'s MEIP,
//!   `2h + 1` its SEIP), the ACLINT drives line `2h` for hart `h`'s MSIP and
//!   `2h + 1` for its MTIP. A device calls its output only when the level
//!   changes, and for every line from `new` and `from_state` (so a new or
//!   restored machine's lines match its devices).
//! * **Interrupt inputs are methods.** `Plic::set_source(n, level)`,
//!   `Uart16550::receive(byte)`, a timer device's `update()`. Wiring one
//!   device to another is an output whose implementation calls the other
//!   device's input: a closure (`IrqLine` and `IrqSink` are implemented for
//!   `FnMut(bool)` and `FnMut(u32, bool)`) or a [`SinkLine`] naming one
//!   line of a sink. For riscv64 `virt`, the UART's line is
//!   `move |level| plic.lock().set_source(10, level)`.
//! * **Sharing is the machine's choice.** The address space owns MMIO
//!   devices (`Box<dyn MmioDevice + Send>`); a device that must also be
//!   reached from elsewhere (the PLIC from the UART's line, the UART from the
//!   host's input loop, the ACLINT from a timer expiry) sits behind a handle
//!   the machine shares — a lock, with a two-line `MmioDevice` forwarder.
//!   Devices call their outputs while being mutated, so an output must
//!   never reach back into the device that drives it.
//!   The lines *towards the CPUs* need no lock: [`IrqLevels`] is a shared
//!   set of atomic levels that a PLIC or ACLINT writes and the vCPU loop
//!   reads with one load per block boundary (`Machine::irq_lines`). Whatever
//!   the machine's sink does on a rising CPU line (wake a halted vCPU, ask a
//!   running loop to return) is its own business.
//! * **Time is asked for, never waited on.** A device reads virtual time
//!   with [`Clock::now_ns`] and asks for one callback at a deadline with
//!   [`Clock::set_timer`]; the machine implements that over the vCPU loop's
//!   timer queue (`wemu_exec::Timer::arm`) and, when the timer expires,
//!   calls the device's `update()`. Devices with timers also answer
//!   `next_deadline_ns()` for machines that prefer to poll.
//! * **Consoles are byte pipes.** A UART writes through a [`CharBackend`]
//!   and takes input either pushed by the host (`receive`) or pulled from
//!   the backend when the machine asks it to poll.
//!
//! For tests, doc examples and simple hosts this crate also has plain
//! implementations: [`NoIrq`], [`IrqLevels`], [`ManualClock`],
//! [`FixedWallClock`], [`NullBackend`] and [`BufferBackend`].
//!
//! It re-exports the MMIO surface devices implement ([`MmioDevice`],
//! [`BusError`], [`MemSize`]) and has helpers for registers wider than an
//! access ([`read_part`], [`write_part`]).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod access;
mod chardev;
mod clock;
mod irq;
mod xorshift;

pub use access::{read_part, write_part};
pub use chardev::{BufferBackend, CharBackend, NullBackend};
pub use clock::{Clock, FixedWallClock, ManualClock, WallClock};
pub use irq::{IrqLevels, IrqLine, IrqSink, NoIrq, SinkLine};
pub use wemu_ir::MemSize;
pub use wemu_softmmu::{BusError, MmioDevice};
pub use xorshift::XorShift;
