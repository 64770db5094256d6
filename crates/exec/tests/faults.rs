//! Precise exceptions: the state at a fault is that of the faulting
//! instruction's boundary, instructions are counted exactly, and the guest
//! enters its trap handler.

use wemu_exec::testing as common;

use common::toy::{self, cause};
use common::{Asm, CODE, RAM_SIZE, Toy};
use wemu_exec::RunExit;

const HOLE: u64 = 0x8_0000;

#[test]
fn a_load_fault_is_precise_and_enters_the_handler() {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).li(2, 5).li32(3, HOLE as u32).addi(2, 1);
    a.label("ld").ld(4, 3, 8).li(2, 99).halt(1);
    a.label("handler").mfc(8).mfe(9).halt(2);
    let mut t = Toy::new(&a.finish());
    t.vcpu.walker_mut().holes.push(HOLE);
    assert_eq!(t.run(1000), RunExit::Stopped(2));
    assert_eq!((t.reg(8), t.reg(9)), (cause::LOAD_PAGE, a.addr("ld")));
    assert_eq!(t.get(toy::TVAL), HOLE + 8);
    // Everything before the load retired; nothing after it ran.
    assert_eq!((t.reg(2), t.reg(4)), (6, 0));
    assert_eq!(t.vcpu.stats().insns, 7 + 3);
}

#[test]
fn without_a_handler_the_state_stays_at_the_faulting_store() {
    let mut a = Asm::new(CODE);
    a.li(2, 5).li32(3, HOLE as u32).addi(2, 1);
    a.label("st").st(2, 3, 0).li(2, 99).halt(1);
    let mut t = Toy::new(&a.finish());
    t.vcpu.walker_mut().holes.push(HOLE);
    assert_eq!(t.run(1000), RunExit::Stopped(0xdead_0000 | cause::STORE_PAGE as u32));
    assert_eq!(t.pc(), a.addr("st"));
    assert_eq!(t.reg(2), 6);
    assert_eq!(t.vcpu.stats().insns, 4);
}

#[test]
fn unassigned_physical_memory_is_an_access_fault() {
    let mut a = Asm::new(CODE);
    a.li32(3, RAM_SIZE as u32 + 0x100).label("ld").ld(4, 3, 0).halt(1);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1000), RunExit::Stopped(0xdead_0000 | cause::ACCESS as u32));
    assert_eq!(t.pc(), a.addr("ld"));
}

#[test]
fn a_fetch_fault_is_raised_when_the_code_is_reached() {
    // Two instructions at the end of a page whose successor page is a hole:
    // the first block stops before the hole, the next one faults.
    let end = CODE + 0x1000 - 8;
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).la(2, "tail").jr(2);
    a.label("handler").mfe(9).mfc(8).halt(3);
    a.org(end).label("tail").addi(5, 1).addi(5, 1);
    let mut t = Toy::new(&a.finish());
    t.vcpu.walker_mut().holes.push(CODE + 0x1000);
    assert_eq!(t.run(1000), RunExit::Stopped(3));
    assert_eq!(t.reg(5), 2);
    assert_eq!((t.reg(8), t.reg(9)), (cause::FETCH_PAGE, CODE + 0x1000));
    assert_eq!(t.get(toy::TVAL), CODE + 0x1000);
    assert_eq!(t.vcpu.stats().insns, 6 + 2 + 3);
}

#[test]
fn misaligned_accesses_and_failing_helpers_trap() {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).li(3, 0x103);
    a.label("ld").ld(4, 3, 0);
    a.li(5, 300).label("out").out(5).halt(0);
    // The handler skips the faulting instruction and counts the causes.
    a.label("handler").mfc(8).add(10, 8).mfe(9).addi(9, 4).mte(9).eret();
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1000), RunExit::Stopped(0));
    assert_eq!(t.reg(10), cause::MISALIGNED_LOAD + cause::HELPER);
    assert_eq!(t.out(), b"");
}

#[test]
fn illegal_instructions_and_ecall_like_exceptions_trap_at_their_pc() {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1);
    a.label("exc").exc(8);
    a.label("handler").mfc(8).mfe(9).halt(0);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1000), RunExit::Stopped(0));
    assert_eq!((t.reg(8), t.reg(9)), (8, a.addr("exc")));

    let mut t = Toy::new(&[0xffff_ffff]);
    assert_eq!(t.run(1000), RunExit::Stopped(0xdead_0000 | cause::ILLEGAL as u32));
    assert_eq!(t.pc(), CODE);
}
