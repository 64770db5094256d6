//! Self-modifying code: stores into the running block, into code on another
//! page, and DMA into code.

use wemu_exec::testing as common;

use common::asm::enc;
use common::toy::{self, op};
use common::{Asm, CODE, Toy, ToyGuest, ToyHelpers, ToyWalker};
use wemu_exec::{RunExit, TbKey, Vcpu};

fn key(pc: u64) -> TbKey {
    TbKey { pc, phys_pc: pc, flags: 0, mmu_idx: 0 }
}

#[test]
fn a_store_patches_the_next_instruction_of_its_own_block() {
    let mut a = Asm::new(CODE);
    a.la(1, "target").li32(2, enc(op::LI, 3, 0, 2)).stw(2, 1, 0);
    a.label("target").li(3, 1).out(3).halt(0);
    let words = a.finish();
    let mut t = Toy::new(&words);
    assert_eq!(t.run(1000), RunExit::Stopped(0));
    // The patched instruction ran, not the one translated before the store.
    assert_eq!(t.reg(3), 2);
    assert_eq!(t.out(), [2]);
    assert_eq!(t.read_u64(a.addr("target")) as u32, enc(op::LI, 3, 0, 2));
    let s = *t.vcpu.stats();
    assert_eq!(s.code_write_steps, 1);
    assert_eq!(s.insns, 4 + 1 + 3);
    // The store ran alone (one instruction), then the rest from new bytes.
    let translated = &t.vcpu.guest().translated;
    assert_eq!(translated[1], (a.addr("target") - 4, 1));
    assert_eq!(translated[2].0, a.addr("target"));
    assert!(t.cache.stats().invalidated >= 1);
}

#[test]
fn patched_code_on_another_page_runs_in_its_new_version() {
    let mut a = Asm::new(CODE);
    a.la(3, "func").la(4, "back1").jr(3);
    a.label("back1").add(7, 6).la(1, "func").li32(2, enc(op::LI, 6, 0, 5)).stw(2, 1, 0);
    a.la(4, "back2").jr(3);
    a.label("back2").add(7, 6).halt(0);
    a.org(CODE + 0x1000).label("func").li(6, 1).jr(4);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1000), RunExit::Stopped(0));
    assert_eq!(t.reg(7), 1 + 5);
    assert_eq!(t.vcpu.stats().code_write_steps, 1);
    assert_eq!(t.cache.stats().invalidated, 1);
    let func = a.addr("func");
    assert_eq!(t.vcpu.guest().translated.iter().filter(|(pc, _)| *pc == func).count(), 2);
}

#[test]
fn a_dma_write_to_a_code_page_invalidates_its_blocks() {
    let mut a = Asm::new(CODE);
    a.li(1, 10).la(3, "func");
    a.label("loop").la(4, "back").jr(3);
    a.label("back").add(7, 6).addi(1, -1).bnez(1, "loop").halt(0);
    a.org(CODE + 0x2000).label("func").li(6, 1).jr(4);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(10_000), RunExit::Stopped(0));
    assert_eq!(t.reg(7), 10);
    let func = a.addr("func");
    let old = t.cache.find(&key(func)).unwrap();

    // A device writes the function's page while the vCPU is stopped.
    t.load(func, &[enc(op::LI, 6, 0, 100)]);
    t.set(8, 10);
    t.set(toy::PC, a.addr("loop"));
    assert_eq!(t.run(10_000), RunExit::Stopped(0));
    assert_eq!(t.reg(7), 10 + 10 * 100);
    assert!(!t.cache.contains(old));
    assert_eq!(t.cache.stats().invalidated, 1);
    assert_eq!(t.vcpu.stats().code_write_steps, 0);
}

#[test]
fn stores_to_data_that_shares_a_page_with_code_make_progress() {
    let mut a = Asm::new(CODE);
    a.la(1, "data").li(2, 0).li(5, 20);
    a.label("loop").addi(2, 1).st(2, 1, 0).addi(5, -1).bnez(5, "loop").halt(0);
    let data = a.here().next_multiple_of(8);
    a.org(data).label("data").word(0).word(0);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(10_000), RunExit::Stopped(0));
    assert_eq!(t.read_u64(a.addr("data")), 20);
    assert_eq!(t.reg(2), 20);
    // Each store to the watched page unwatches it and invalidates the page's
    // blocks, which are translated (and watched) again before the next
    // store: slow, but every store happens exactly once.
    assert_eq!(t.vcpu.stats().code_write_steps, 20);
    assert_eq!(t.vcpu.stats().insns, 4 + 20 * 4 + 1);
}

#[test]
fn a_vcpu_sees_code_pages_that_another_vcpu_started_to_watch() {
    let mut a = Asm::new(CODE);
    a.label("cpu0").la(3, "func").la(4, "back").jr(3);
    a.label("back").add(7, 6).halt(1);
    a.label("cpu1a").la(1, "func").li(2, 0).st(2, 1, 8).halt(2);
    a.label("cpu1b").li32(2, enc(op::LI, 6, 0, 5)).stw(2, 1, 0).halt(3);
    a.org(CODE + 0x1000).label("func").li(6, 1).jr(4).word(0).word(0);
    let mut t = Toy::new(&a.finish());
    let mut cpu1 =
        Vcpu::new(1, ToyGuest::default(), ToyWalker::default(), ToyHelpers::default(), &mut t.space).unwrap();
    let mut run1 = |t: &mut Toy, pc: u64| {
        toy::set(cpu1.state_mut(&t.space).unwrap(), toy::PC, pc);
        cpu1.run(&mut t.space, &mut t.cache, &mut t.timers, &mut t.machine, 1000)
    };

    // vCPU 1 stores to the page before it holds code: its TLB gets a fast
    // write entry for it.
    assert_eq!(run1(&mut t, a.addr("cpu1a")), RunExit::Stopped(2));
    // vCPU 0 runs code from the page: now it is watched.
    t.set(toy::PC, a.addr("cpu0"));
    assert_eq!(t.run(1000), RunExit::Stopped(1));
    assert_eq!(t.reg(7), 1);
    // vCPU 1 patches the code: its stale entry is gone, so the store is
    // seen and the block invalidated.
    assert_eq!(run1(&mut t, a.addr("cpu1b")), RunExit::Stopped(3));
    t.set(toy::PC, a.addr("cpu0"));
    assert_eq!(t.run(1000), RunExit::Stopped(1));
    assert_eq!(t.reg(7), 1 + 5);
}
