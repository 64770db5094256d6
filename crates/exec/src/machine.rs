//! What the vCPU loop needs from the machine around it: the interrupt lines
//! of each vCPU, timer expiry, and a way to ask a running loop to return.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use wemu_softmmu::AddressSpace;

use crate::TimerId;

/// The board as the vCPU loop sees it. Implemented by a machine
/// (riscv64-virt, ...), which wires devices to vCPUs.
pub trait Machine {
    /// The interrupt lines asserted towards vCPU `vcpu`, as a guest-defined
    /// bit set (riscv64: the `mip` bits driven by the PLIC and ACLINT;
    /// aarch64: IRQ, FIQ and their virtual forms; x86: INTR, NMI, ...).
    /// Read at every block boundary, so it should be cheap.
    fn irq_lines(&self, vcpu: u32) -> u64;

    /// An interrupt acknowledge cycle for `line` (x86's INTA: the vector the
    /// interrupt controller supplies). Guests without one never call it.
    fn irq_acknowledge(&mut self, vcpu: u32, line: u32) -> u32 {
        let _ = (vcpu, line);
        0
    }

    /// Timer `timer` (armed by a device through a
    /// [`Timer`](crate::Timer)) reached its deadline; `now` is the virtual
    /// time in nanoseconds. Called between blocks, in deadline order; the
    /// machine typically forwards it to the device, which raises a line.
    fn timer_expired(&mut self, space: &mut AddressSpace, timer: TimerId, now: u64);
}

/// A request that a running vCPU loop return to its host at the next block
/// boundary ([`RunExit::ExitRequested`](crate::RunExit)): for input that
/// arrived, a device that needs the host, or a pause. Cheap to clone; safe
/// to set from any thread or from a device model.
#[derive(Clone, Debug, Default)]
pub struct ExitRequest(Arc<AtomicBool>);

impl ExitRequest {
    pub fn new() -> ExitRequest {
        ExitRequest::default()
    }

    /// Asks the loop to return.
    pub fn request(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether a request is pending.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Takes a pending request.
    pub(crate) fn take(&self) -> bool {
        self.is_requested() && self.0.swap(false, Ordering::Acquire)
    }
}
