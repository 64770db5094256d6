//! Deterministic mode: the same machine gives the same output, instruction
//! count and virtual time, bit for bit — across runs, and however the host
//! slices the run into budgets.

use wemu_exec::testing as common;

use common::{Asm, CODE, Toy};
use wemu_exec::{RunExit, TimerId};

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    out: Vec<u8>,
    icount: u64,
    now: u64,
    regs: Vec<u64>,
    fired: Vec<(TimerId, u64)>,
    halts: u32,
}

/// Computes between periodic timer interrupts (whose handler prints a
/// tick count) and waits for the next tick with WFI, 20 times.
fn run_machine(slice: u64) -> Outcome {
    let mut a = Asm::new(CODE);
    a.la(1, "handler").mtv(1).setie(true).li(7, 20);
    a.label("outer").li(5, 300);
    a.label("inner").add(3, 2).addi(2, 7).addi(5, -1).bnez(5, "inner");
    a.li(13, 200).add(13, 7).out(13).wfi().addi(7, -1).bnez(7, "outer").halt(0);
    a.label("handler").addi(12, 1).out(12).eret();
    let mut t = Toy::new(&a.finish());
    let timer = t.timers.new_timer();
    timer.arm(997);
    t.machine.periodic = Some((timer, 997));
    let mut halts = 0;
    loop {
        match t.run(slice) {
            RunExit::BudgetSpent => {}
            RunExit::Halted { deadline: Some(d) } => {
                halts += 1;
                t.timers.clock().warp_to(d);
            }
            RunExit::Stopped(0) => break,
            e => panic!("{e:?}"),
        }
    }
    Outcome {
        out: t.out().to_vec(),
        icount: t.timers.clock().icount(),
        now: t.timers.clock().now(),
        regs: (0..16).map(|r| t.reg(r)).collect(),
        fired: t.machine.fired.clone(),
        halts,
    }
}

#[test]
fn deterministic_runs_are_identical() {
    let a = run_machine(1000);
    let b = run_machine(1000);
    assert_eq!(a, b);
    // Sanity: the program did wait and was interrupted.
    assert!(a.halts > 0 && a.fired.len() > 20, "{a:?}");
    assert_eq!(a.regs[7], 0);
    let main: Vec<u8> = a.out.iter().copied().filter(|&c| c > 200).collect();
    let ticks: Vec<u8> = a.out.iter().copied().filter(|&c| c <= 200).collect();
    assert_eq!(main, (201..=220).rev().collect::<Vec<u8>>());
    assert_eq!(ticks, (1..=a.fired.len() as u8).collect::<Vec<u8>>());
}

#[test]
fn budget_slicing_does_not_change_the_outcome() {
    assert_eq!(run_machine(37), run_machine(1_000_000));
}
