//! Real IR blocks run by the interpreter against a `CpuMemory` behind the
//! toy page table: a loop over an array in RAM, big-endian accesses, MMIO
//! stores, faults with precise state, atomics, code-write faults, and a
//! helper flushing the TLB after a page-table change.

mod common;

use std::sync::Arc;

use common::*;
use wemu_ir::runtime::{Exit, ExitKind, FaultCode, Helpers};
use wemu_ir::{Builder, Cond, Effect, Endian, GlobalId, Globals, HelperDecl, MemOp, MemSize, RmwOp, Temp, Type, Value};
use wemu_softmmu::{AddressSpace, CODE_WRITE_FAULT, CpuMemory, Tlb};
use wemu_tci::{Interp, NoHelpers, TciBlock};

const RAM: u64 = 0x8000_0000;
const MMIO: u64 = 0x1000_0000;
const ROOT: u64 = RAM + 0xf000;
const I64: Type = Type::I64;

/// Three 64-bit registers: `a` at 0, `b` at 8, `c` at 16.
fn globals() -> (Arc<Globals>, [GlobalId; 3]) {
    let mut g = Globals::new();
    let ids = [g.add("a", I64, 0), g.add("b", I64, 8), g.add("c", I64, 16)];
    (Arc::new(g), ids)
}

fn builder() -> (Builder, [Temp; 3]) {
    let (g, [a, b, c]) = globals();
    let bld = Builder::new(g);
    let regs = [bld.global(a), bld.global(b), bld.global(c)];
    (bld, regs)
}

fn state(a: u64, b: u64, c: u64) -> [u8; 24] {
    let mut s = [0u8; 24];
    s[..8].copy_from_slice(&a.to_le_bytes());
    s[8..16].copy_from_slice(&b.to_le_bytes());
    s[16..].copy_from_slice(&c.to_le_bytes());
    s
}

fn reg(s: &[u8; 24], i: usize) -> u64 {
    u64::from_le_bytes(s[i * 8..i * 8 + 8].try_into().unwrap())
}

/// RAM (64 KiB), a recorder at `MMIO`, a 2-mode TLB and a page table
/// mapping virtual pages 1-7 to RAM pages 1-7, 8 to the device and 0xf to
/// the page table itself.
struct Machine {
    space: AddressSpace,
    tlb: Tlb,
    pt: PageTable,
    probe: Probe,
}

fn machine() -> Machine {
    let mut space = space();
    space.add_ram(RAM, 0x10000).unwrap();
    let (dev, probe) = Recorder::new(0x100, 0x100);
    space.add_mmio(MMIO, 0x100, dev).unwrap();
    let tlb = Tlb::new(space.arena_mut(), 2).unwrap();
    let pt = PageTable::new(ROOT);
    for p in 1..8 {
        pt.map(&mut space, p << 12, RAM + (p << 12), V | R | W | X);
    }
    pt.map(&mut space, 0x8000, MMIO, V | R | W);
    pt.map(&mut space, 0xf000, ROOT, V | R | W);
    Machine { space, tlb, pt, probe }
}

impl Machine {
    fn run<H: for<'a> Helpers<CpuMemory<'a, PageTable>>>(
        &mut self,
        b: Builder,
        state: &mut [u8; 24],
        helpers: &mut H,
    ) -> Exit {
        let block = b.finish();
        wemu_ir::verify(&block).unwrap();
        let tb = TciBlock::compile(&block).unwrap();
        let mut mem = CpuMemory::new(&mut self.space, &mut self.tlb, &mut self.pt);
        Interp::new().run(&tb, state, &mut mem, helpers)
    }
}

#[test]
fn a_loop_sums_an_array_across_pages() {
    let mut m = machine();
    // 1500 u64s from virtual 0x1000: three pages.
    const N: u64 = 1500;
    for i in 0..N {
        m.space.write(RAM + 0x1000 + 8 * i, MemSize::B8, i * i).unwrap();
    }
    let (mut b, [a, n, sum]) = builder();
    b.insn_start(0x100);
    let top = b.new_label();
    b.label(top);
    let v = b.load(I64, a.into(), MemOp::le(MemSize::B8, false).aligned());
    let s = b.add(I64, sum.into(), v.into());
    b.mov(I64, sum, s.into());
    let p = b.add(I64, a.into(), Value::Const(8));
    b.mov(I64, a, p.into());
    let c = b.sub(I64, n.into(), Value::Const(1));
    b.mov(I64, n, c.into());
    b.brcond(I64, Cond::Ne, n.into(), Value::Const(0), top);
    b.exit_tb(0);
    let mut st = state(0x1000, N, 0);
    let exit = m.run(b, &mut st, &mut NoHelpers);
    assert_eq!(exit.kind, ExitKind::Status(0));
    assert_eq!(reg(&st, 2), (0..N).map(|i| i * i).sum::<u64>());
    assert_eq!(reg(&st, 0), 0x1000 + 8 * N);
    // One walk per page (plus none for the rest: the fast path).
    assert_eq!(m.pt.walks, 3);
}

#[test]
fn big_endian_accesses() {
    let mut m = machine();
    let be = |size, signed| MemOp { endian: Endian::Big, ..MemOp::le(size, signed) };
    let (mut b, [a, x, y]) = builder();
    b.insn_start(0x100);
    b.store(I64, Value::Const(0x1122_3344_8001_7f80), a.into(), be(MemSize::B8, false));
    let a2 = b.add(I64, a.into(), Value::Const(4));
    let v = b.load(I64, a2.into(), be(MemSize::B2, true));
    b.mov(I64, x, v.into());
    let v = b.load(I64, a.into(), MemOp::le(MemSize::B4, false));
    b.mov(I64, y, v.into());
    b.exit_tb(1);
    // Unaligned, and crossing from page 2 to page 3.
    let mut st = state(0x2ffd, 0, 0);
    assert_eq!(m.run(b, &mut st, &mut NoHelpers).kind, ExitKind::Status(1));
    let mut bytes = [0u8; 8];
    m.space.dma_read(RAM + 0x2ffd, &mut bytes).unwrap();
    assert_eq!(bytes, [0x11, 0x22, 0x33, 0x44, 0x80, 0x01, 0x7f, 0x80]);
    assert_eq!(reg(&st, 1), 0xffff_ffff_ffff_8001);
    assert_eq!(reg(&st, 2), 0x4433_2211);
}

#[test]
fn a_store_to_mmio_reaches_the_device() {
    let mut m = machine();
    let (mut b, [a, _, _]) = builder();
    b.insn_start(0x100);
    b.store(I64, Value::Const(0xaabb_ccdd), a.into(), MemOp { endian: Endian::Big, ..MemOp::le(MemSize::B4, false) });
    b.store(I64, Value::Const(0x41), a.into(), MemOp::le(MemSize::B1, false));
    b.exit_tb(0);
    let mut st = state(0x8010, 0, 0);
    assert_eq!(m.run(b, &mut st, &mut NoHelpers).kind, ExitKind::Status(0));
    assert_eq!(
        m.probe.events(),
        vec![
            Event::Write { offset: 0x10, size: MemSize::B4, value: 0xddcc_bbaa },
            Event::Write { offset: 0x10, size: MemSize::B1, value: 0x41 },
        ]
    );
}

#[test]
fn a_load_from_an_unmapped_address_faults_precisely() {
    let mut m = machine();
    let (mut b, [a, x, y]) = builder();
    b.insn_start(0x100);
    b.mov(I64, y, Value::Const(1));
    b.insn_start(0x104);
    let v = b.load(I64, a.into(), MemOp::le(MemSize::B8, false));
    b.mov(I64, x, v.into());
    b.exit_tb(0);
    let mut st = state(0x9000, 7, 0);
    let exit = m.run(b, &mut st, &mut NoHelpers);
    assert_eq!(
        exit.kind,
        ExitKind::MemFault { addr: 0x9000, code: page_fault_code(wemu_softmmu::Access::Read), write: false }
    );
    assert_eq!((exit.insn_pc, exit.insns), (0x104, 2));
    assert_eq!((reg(&st, 1), reg(&st, 2)), (7, 1));
}

#[test]
fn atomics_and_code_writes_through_ir() {
    let mut m = machine();
    m.space.write(RAM + 0x3008, MemSize::B8, 40).unwrap();
    let build = || {
        let (mut b, [a, x, _]) = builder();
        b.insn_start(0x100);
        let old = b.atomic_rmw(RmwOp::Add, I64, a.into(), Value::Const(2), MemOp::le(MemSize::B8, false).aligned());
        b.mov(I64, x, old.into());
        b.exit_tb(0);
        b
    };
    let mut st = state(0x3008, 0, 0);
    assert_eq!(m.run(build(), &mut st, &mut NoHelpers).kind, ExitKind::Status(0));
    assert_eq!(reg(&st, 1), 40);
    assert_eq!(m.space.read(RAM + 0x3008, MemSize::B8), Ok(42));

    // The page now holds code: the atomic faults, memory unchanged.
    m.space.watch_code(RAM + 0x3000);
    m.tlb.flush_phys_page(m.space.arena(), RAM + 0x3000);
    let mut st = state(0x3008, 0, 0);
    let exit = m.run(build(), &mut st, &mut NoHelpers);
    assert_eq!(exit.kind, ExitKind::MemFault { addr: 0x3008, code: CODE_WRITE_FAULT, write: true });
    assert_eq!(reg(&st, 1), 0);
    assert_eq!(m.space.read(RAM + 0x3008, MemSize::B8), Ok(42));
    assert_eq!(m.space.take_code_writes(), vec![RAM + 0x3000]);
    // Re-executed after the vCPU loop dropped the code: it goes through.
    assert_eq!(m.run(build(), &mut st, &mut NoHelpers).kind, ExitKind::Status(0));
    assert_eq!(reg(&st, 1), 42);
    assert_eq!(m.space.read(RAM + 0x3008, MemSize::B8), Ok(44));
}

/// Helper 0 flushes the TLB (a guest's `sfence.vma`), through the memory
/// the helper receives.
struct FlushHelper;

impl<'a> Helpers<CpuMemory<'a, PageTable>> for FlushHelper {
    fn call(
        &mut self,
        id: u32,
        _state: &mut [u8],
        _args: &[u64],
        mem: &mut CpuMemory<'a, PageTable>,
    ) -> Result<u64, FaultCode> {
        match id {
            0 => {
                mem.tlb.flush_all(mem.space.arena());
                Ok(0)
            }
            _ => Err(1),
        }
    }
}

#[test]
fn a_helper_flushes_the_tlb_after_a_page_table_write() {
    let mut m = machine();
    m.space.write(RAM + 0x1000, MemSize::B8, 0xaaaa).unwrap();
    m.space.write(RAM + 0x6000, MemSize::B8, 0xbbbb).unwrap();
    let (mut b, [a, x, y]) = builder();
    b.declare_helper(HelperDecl { id: 0, name: "flush".into(), args: vec![], ret: None, effect: Effect::WritesState });
    b.insn_start(0x100);
    let v = b.load(I64, Value::Const(0x1000), MemOp::le(MemSize::B8, false));
    b.mov(I64, x, v.into());
    // Remap virtual page 1 to RAM page 6 by writing its PTE (virtual
    // 0xf008), without and then with a flush.
    b.insn_start(0x104);
    b.store(I64, a.into(), Value::Const(0xf008), MemOp::le(MemSize::B8, false));
    let v = b.load(I64, Value::Const(0x1000), MemOp::le(MemSize::B8, false));
    let stale = b.setcond(I64, Cond::Eq, v.into(), Value::Const(0xaaaa));
    b.insn_start(0x108);
    b.call(0, vec![]);
    let v = b.load(I64, Value::Const(0x1000), MemOp::le(MemSize::B8, false));
    let both = b.shl(I64, v.into(), Value::Const(1));
    let both = b.or(I64, both.into(), stale.into());
    b.mov(I64, y, both.into());
    b.exit_tb(0);
    let mut st = state((RAM + 0x6000) | V | R | W, 0, 0);
    assert_eq!(m.run(b, &mut st, &mut FlushHelper).kind, ExitKind::Status(0));
    assert_eq!(reg(&st, 1), 0xaaaa);
    assert_eq!(reg(&st, 2), 0xbbbb << 1 | 1);
}
