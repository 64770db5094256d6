//! Tracing: each category's events appear exactly when it is enabled,
//! nothing is made when tracing is off, events carry what they should
//! (disassembly, IR before and after the optimizer, chaining, interrupts
//! and exceptions, MMIO values, TLB fills) in order, and tracing changes
//! nothing in the run.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use wemu_exec::testing::{Asm, CODE, Toy};
use wemu_exec::{RunExit, VcpuStats};
use wemu_ir::MemSize;
use wemu_softmmu::{BusError, MmioDevice};
use wemu_trace::{Categories, TraceEvent, Tracer};

/// Where the test device is (beyond the toy's RAM; virtual = physical).
const DEV: u64 = 0x20_0000;

/// One register at offset 0; everything else is a bus error.
#[derive(Debug, Default)]
struct Register(u64);

impl MmioDevice for Register {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        if offset != 0 {
            return Err(BusError);
        }
        Ok(self.0 & size.mask())
    }

    fn write(&mut self, offset: u64, size: MemSize, value: u64) -> Result<(), BusError> {
        if offset != 0 {
            return Err(BusError);
        }
        self.0 = value & size.mask();
        Ok(())
    }
}

/// An event as recorded: its category and its text.
type Record = (Categories, String);

/// Records every event as text; its categories can be changed between
/// runs through `enabled`.
#[derive(Clone, Debug, Default)]
struct Recorder {
    enabled: Arc<Mutex<Categories>>,
    log: Arc<Mutex<Vec<Record>>>,
}

impl Recorder {
    fn new(enabled: Categories) -> Recorder {
        Recorder { enabled: Arc::new(Mutex::new(enabled)), log: Arc::default() }
    }

    fn records(&self) -> Vec<Record> {
        self.log.lock().unwrap().clone()
    }

    fn categories(&self) -> BTreeSet<u32> {
        self.records().iter().map(|(c, _)| c.bits()).collect()
    }

    /// The texts of the events of `cat`.
    fn texts(&self, cat: Categories) -> Vec<String> {
        self.records().into_iter().filter(|(c, _)| *c == cat).map(|(_, t)| t).collect()
    }
}

impl Tracer for Recorder {
    fn enabled(&self) -> Categories {
        *self.enabled.lock().unwrap()
    }

    fn event(&mut self, event: &TraceEvent<'_>) {
        let cat = event.category();
        assert!(self.enabled().contains(cat), "{cat} event while tracing {}: {event}", self.enabled());
        self.log.lock().unwrap().push((cat, event.to_string()));
    }
}

/// A tracer whose categories are all off, and that must never be called.
#[derive(Debug)]
struct Silent;

impl Tracer for Silent {
    fn enabled(&self) -> Categories {
        Categories::NONE
    }

    fn event(&mut self, event: &TraceEvent<'_>) {
        panic!("event while tracing nothing: {event}");
    }
}

/// A program that touches every category: translation, chained blocks, an
/// exception, MMIO, an interrupt (line 0 is raised from the start and
/// taken once `eret` enables interrupts), then a stop with code 0x42.
fn program() -> (Asm, Toy) {
    let mut a = Asm::new(CODE);
    a.la(6, "handler").mtv(6);
    a.li32(5, DEV as u32);
    // r1 = 8 (the optimizer folds the addition), to the device and back.
    a.li(1, 5).addi(1, 3).st(1, 5, 0).ld(2, 5, 0);
    a.li(3, 4).label("loop").addi(3, -1).bnez(3, "loop");
    a.exc(9);
    a.halt(1); // never reached: the interrupt comes first
    a.label("handler").bnez(9, "second");
    a.addi(9, 1).mfe(8).addi(8, 4).mte(8).eret();
    a.label("second").halt(0x42);
    let mut t = Toy::new(&a.finish());
    t.space.add_mmio(DEV, 8, Box::new(Register::default())).unwrap();
    t.machine.lines = 1;
    (a, t)
}

/// Runs the program with `tracer` (if any); returns the run's outcome.
fn run(tracer: Option<Box<dyn Tracer + Send>>) -> (RunExit, VcpuStats, [u64; 10], Vec<u32>) {
    let (_, mut t) = program();
    t.vcpu.set_tracer(tracer);
    let exit = t.run(10_000);
    let regs = std::array::from_fn(|r| t.reg(r));
    (exit, *t.vcpu.stats(), regs, t.machine.acked.clone())
}

#[test]
fn each_category_appears_exactly_when_enabled() {
    let plain = run(None);
    assert_eq!(plain.0, RunExit::Stopped(0x42));
    assert_eq!(plain.2[2], 8, "the device gave back what was stored");
    assert_eq!(plain.3, [0], "the interrupt was taken");

    for (name, cat) in Categories::NAMES {
        let rec = Recorder::new(cat);
        let outcome = run(Some(Box::new(rec.clone())));
        assert_eq!(outcome, plain, "tracing {name} changed the run");
        assert_eq!(rec.categories(), BTreeSet::from([cat.bits()]), "tracing {name}");
    }

    let rec = Recorder::new(Categories::ALL);
    assert_eq!(run(Some(Box::new(rec.clone()))), plain);
    let all: BTreeSet<u32> = Categories::NAMES.iter().map(|(_, c)| c.bits()).collect();
    assert_eq!(rec.categories(), all);

    // Categories off, or no tracer: nothing is made.
    assert_eq!(run(Some(Box::new(Silent))), plain);
    let rec = Recorder::new(Categories::NONE);
    assert_eq!(run(Some(Box::new(rec.clone()))), plain);
    assert!(rec.records().is_empty());
}

#[test]
fn translation_traces_show_the_guest_code_and_the_ir_before_and_after_optimization() {
    let rec = Recorder::new(Categories::IN_ASM | Categories::OP | Categories::OP_OPT);
    run(Some(Box::new(rec.clone())));
    let in_asm = rec.texts(Categories::IN_ASM);
    let (op, op_opt) = (rec.texts(Categories::OP), rec.texts(Categories::OP_OPT));
    // Every translation is traced once in each form.
    assert_eq!((in_asm.len(), op.len()), (op_opt.len(), op_opt.len()));
    assert!(in_asm[0].starts_with(&format!("IN: vcpu 0 pc {CODE:#x} (phys {CODE:#x}), 12 insns\n")), "{}", in_asm[0]);
    assert!(in_asm[0].contains("0x0000000000001018:  addi r1, r0, 3\n"), "{}", in_asm[0]);
    assert!(in_asm[0].ends_with("bnez r3, r0, -1"), "{}", in_asm[0]);
    assert!(op[0].starts_with("OP: vcpu 0 pc 0x1000\n"), "{}", op[0]);
    // `li r1, 5; addi r1, 3`: an addition before the optimizer, a constant
    // after it.
    assert!(op[0].contains("add.i64 r1, 3"), "{}", op[0]);
    assert!(!op_opt[0].contains("add.i64 r1"), "{}", op_opt[0]);
    assert!(op_opt[0].contains("r1 = mov.i64 8"), "{}", op_opt[0]);
}

#[test]
fn exec_int_mmio_and_tlb_events_come_in_order() {
    let rec = Recorder::new(Categories::ALL.difference(Categories::IN_ASM | Categories::OP | Categories::OP_OPT));
    run(Some(Box::new(rec.clone())));
    let texts: Vec<String> = rec.records().into_iter().map(|(_, t)| t).collect();
    let (a, _) = program();
    let at =
        |needle: &str| texts.iter().position(|t| t.contains(needle)).unwrap_or_else(|| panic!("{needle}: {texts:#?}"));

    // The first block: its code page is filled, then it runs and reaches
    // the device (a TLB fill for the device page, a write, a read).
    let first_fill = at(&format!("tlb fill mmu 0 {CODE:#x} -> {CODE:#x} on fetch (rwx)"));
    let first_exec = at(&format!("exec: vcpu 0 pc {CODE:#x} tb 0"));
    let dev_fill = at(&format!("tlb fill mmu 0 {DEV:#x} -> {DEV:#x} on write"));
    let write = at("mmio write 8B 0x200000 (dev 0 +0x0) <- 0x8");
    let read = at("mmio read 8B 0x200000 (dev 0 +0x0) -> 0x8");
    assert!(first_fill < first_exec && first_exec < dev_fill && dev_fill < write && write < read, "{texts:#?}");

    // The loop block runs three times: found by lookup twice (the back
    // edge is chained after the first), then through the chain link.
    let lp = a.addr("loop");
    let loops: Vec<&String> = texts.iter().filter(|t| t.starts_with(&format!("exec: vcpu 0 pc {lp:#x} tb"))).collect();
    assert_eq!(loops.iter().map(|t| t.ends_with(" chained")).collect::<Vec<_>>(), [false, false, true]);

    // The exception goes to the handler, which returns past it; then the
    // interrupt, then the stop.
    let handler = a.addr("handler");
    let exc_pc = lp + 8;
    let exc = at(&format!("int: vcpu 0 exit status 0x10009 at pc {exc_pc:#x}: continue -> pc {handler:#x}"));
    let int = at(&format!("int: vcpu 0 interrupt (lines 0x1) at pc {:#x} -> pc {handler:#x}", exc_pc + 4));
    let stop = at(&format!("int: vcpu 0 exit status 0x20042 at pc {:#x}: stop 0x42", a.addr("second")));
    assert!(read < exc && exc < int && int < stop && stop == texts.len() - 1, "{texts:#?}");
}

#[test]
fn the_categories_are_read_at_every_run() {
    let mut a = Asm::new(CODE);
    a.label("loop").addi(1, 1).jmp("loop");
    let mut t = Toy::new(&a.finish());
    let rec = Recorder::new(Categories::NONE);
    t.vcpu.set_tracer(Some(Box::new(rec.clone())));
    t.run(10);
    assert!(rec.records().is_empty());
    *rec.enabled.lock().unwrap() = Categories::EXEC;
    t.run(10);
    assert_eq!(rec.texts(Categories::EXEC).len(), 5);
    *rec.enabled.lock().unwrap() = Categories::NONE;
    t.run(10);
    assert_eq!(rec.records().len(), 5);
    // The address space's log is off again after a run that used it.
    *rec.enabled.lock().unwrap() = Categories::MMIO;
    t.run(10);
    assert!(t.space.trace().is_empty());
    assert!(t.vcpu.set_tracer(None).is_some());
}
