//! Interrupts at block boundaries, timers, WFI and exit requests.

use wemu_exec::testing as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::toy::{self, cause};
use common::{Asm, CODE, Toy};
use wemu_exec::{Clock, HostClock, RunExit, TbCacheConfig};

/// A program that enables interrupts and spins; its handler records `epc`
/// and `cause` and stops.
fn spin_with_handler() -> Asm {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).setie(true);
    a.label("loop").addi(2, 1).addi(2, 1).jmp("loop");
    a.label("handler").mfe(9).mfc(8).halt(4);
    a
}

#[test]
fn an_interrupt_is_taken_at_a_block_boundary() {
    let mut a = spin_with_handler();
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(100), RunExit::BudgetSpent);
    let spun = t.reg(2);
    t.machine.lines = 1 << 3;
    assert_eq!(t.run(100), RunExit::Stopped(4));
    assert_eq!((t.reg(8), t.reg(9)), (cause::INTERRUPT | 3, a.addr("loop")));
    // Nothing ran between the line rising and the interrupt.
    assert_eq!(t.reg(2), spun);
    assert_eq!(t.machine.acked, [3]);
    assert_eq!(t.get(toy::IE), 0);
    assert_eq!(t.vcpu.stats().interrupts, 1);
}

#[test]
fn a_masked_interrupt_waits() {
    let mut a = Asm::new(CODE);
    a.label("loop").addi(2, 1).jmp("loop");
    let mut t = Toy::new(&a.finish());
    t.machine.lines = 1;
    assert_eq!(t.run(100), RunExit::BudgetSpent);
    assert_eq!(t.vcpu.stats().interrupts, 0);
}

#[test]
fn a_timer_interrupts_at_the_first_boundary_after_its_deadline() {
    let mut a = spin_with_handler();
    let mut t = Toy::new(&a.finish());
    let timer = t.timers.new_timer();
    timer.arm(501);
    assert_eq!(t.run(100_000), RunExit::Stopped(4));
    let (id, now) = t.machine.fired[0];
    assert_eq!((id, t.machine.fired.len()), (timer.id(), 1));
    // Deterministic time, 1 ns per instruction: the loop block is 3
    // instructions long, so the timer is noticed less than 3 ns late.
    assert!((501..504).contains(&now), "{now}");
    assert_eq!(t.reg(8), cause::INTERRUPT | u64::from(timer.id().0));
    assert_eq!(timer.deadline(), None);
}

#[test]
fn wfi_halts_until_the_deadline_or_an_interrupt() {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).setie(true);
    a.wfi().addi(6, 1).wfi().addi(6, 1).setie(false).wfi().addi(6, 1).halt(3);
    a.label("handler").addi(5, 1).eret();
    let mut t = Toy::new(&a.finish());
    let timer = t.timers.new_timer();
    timer.arm(1000);

    // Waiting for the timer: the loop returns instead of spinning.
    assert_eq!(t.run(100_000), RunExit::Halted { deadline: Some(1000) });
    assert!(t.vcpu.is_halted());
    let icount = t.timers.clock().icount();
    assert_eq!(t.run(100_000), RunExit::Halted { deadline: Some(1000) });
    assert_eq!(t.timers.clock().icount(), icount);
    // The host has nothing else to do: virtual time jumps to the deadline.
    t.timers.clock().warp_to(1000);
    assert_eq!(t.run(100_000), RunExit::Halted { deadline: None });
    assert_eq!(t.machine.fired, [(timer.id(), 1000)]);
    assert_eq!((t.reg(5), t.reg(6)), (1, 1));

    // No timer armed: only an interrupt line wakes it.
    assert_eq!(t.run(100_000), RunExit::Halted { deadline: None });
    t.machine.lines = 1 << 2;
    assert_eq!(t.run(100_000), RunExit::Halted { deadline: None });
    assert_eq!((t.reg(5), t.reg(6)), (2, 2));
    assert_eq!(t.machine.lines, 0);
    // With interrupts disabled, a pending line ends WFI without a trap.
    t.machine.lines = 1;
    assert_eq!(t.run(100_000), RunExit::Stopped(3));
    assert_eq!((t.reg(5), t.reg(6)), (2, 3));
    assert_eq!(t.get(toy::IE), 0);
}

#[test]
fn an_exit_request_returns_at_the_next_boundary() {
    let mut a = Asm::new(CODE);
    a.label("loop").addi(2, 1).jmp("loop");
    let mut t = Toy::new(&a.finish());
    let req = t.vcpu.exit_request();
    req.request();
    assert_eq!(t.run(1000), RunExit::ExitRequested);
    assert_eq!(t.vcpu.stats().insns, 0);
    assert!(!req.is_requested());
    assert_eq!(t.run(1000), RunExit::BudgetSpent);
}

/// A host clock the test moves by hand.
#[derive(Clone, Default)]
struct ManualClock(Arc<AtomicU64>);

impl HostClock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[test]
fn timers_fire_in_real_time() {
    let host = ManualClock::default();
    let mut a = spin_with_handler();
    let mut t = Toy::with(TbCacheConfig::default(), Clock::real_time(Box::new(host.clone())), &a.finish());
    let timer = t.timers.new_timer();
    timer.arm(1_000_000);
    assert_eq!(t.run(50_000), RunExit::BudgetSpent);
    assert!(t.machine.fired.is_empty());
    host.0.store(2_000_000, Ordering::Relaxed);
    // The clock is read every few thousand instructions, not every block.
    assert_eq!(t.run(50_000), RunExit::Stopped(4));
    assert_eq!(t.machine.fired, [(timer.id(), 2_000_000)]);
    assert_eq!(t.reg(9), a.addr("loop"));
}
