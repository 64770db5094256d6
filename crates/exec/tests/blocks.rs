//! Blocks run, chain, hit the jump cache, respect the budget, stay under
//! the cache's cap, and report hot blocks.

use wemu_exec::testing as common;

use std::sync::{Arc, Mutex};

use common::asm::enc;
use common::toy::op;
use common::{Asm, CODE, Toy};
use wemu_exec::{Clock, HotBlock, HotBlockSink, RunExit, TbCache, TbCacheConfig, TbId, TbKey};
use wemu_ir::MemSize;
use wemu_softmmu::{BusError, MmioDevice};

fn key(pc: u64) -> TbKey {
    TbKey { pc, phys_pc: pc, flags: 0, mmu_idx: 0 }
}

#[test]
fn blocks_run_and_chain() {
    let mut a = Asm::new(CODE);
    a.li(1, 100).li(2, 0).label("loop").addi(2, 3).addi(1, -1).bnez(1, "loop").halt(7);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1_000_000), RunExit::Stopped(7));
    assert_eq!((t.reg(1), t.reg(2)), (0, 300));

    let s = *t.vcpu.stats();
    // The first block runs the first iteration, the loop block the other 99.
    assert_eq!(s.insns, 5 + 99 * 3 + 1);
    assert_eq!(t.timers.clock().icount(), s.insns);
    assert_eq!(s.blocks, 1 + 99 + 1);
    // Three blocks, each translated once; the loop's back edge is chained
    // to itself after its first lookup.
    assert_eq!(t.cache.len(), 3);
    assert_eq!(s.translations, 3);
    assert_eq!(s.chained, 97);
    let lp = t.cache.find(&key(a.addr("loop"))).unwrap();
    let info = t.cache.info(lp).unwrap();
    assert_eq!(info.links[0], Some(lp));
    assert_eq!(info.insns, 3);
    assert_eq!(info.exec_count, 99);
}

#[test]
fn the_jump_cache_serves_indirect_jumps() {
    let mut a = Asm::new(CODE);
    a.li(1, 50).la(3, "func").la(4, "back");
    a.label("loop").jr(3);
    a.label("back").addi(1, -1).bnez(1, "loop").halt(0);
    a.label("func").addi(2, 1).jr(4);
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1_000_000), RunExit::Stopped(0));
    assert_eq!(t.reg(2), 50);
    let s = *t.vcpu.stats();
    // 100 indirect jumps; only the first to each target misses.
    assert!(s.jump_cache_hits >= 98, "{s:?}");
    assert_eq!(s.translations, 5);
}

#[test]
fn the_budget_ends_a_run_at_a_block_boundary() {
    let mut a = Asm::new(CODE);
    a.label("loop").addi(1, 1).jmp("loop");
    let mut t = Toy::new(&a.finish());
    assert_eq!(t.run(1000), RunExit::BudgetSpent);
    assert_eq!(t.vcpu.stats().insns, 1000);
    assert_eq!(t.reg(1), 500);
    assert_eq!(t.pc(), CODE);
    assert_eq!(t.run(501), RunExit::BudgetSpent);
    assert_eq!(t.vcpu.stats().insns, 1502);
    assert_eq!(t.timers.clock().now(), 1502);
    assert_eq!(t.run(0), RunExit::BudgetSpent);
    assert_eq!(t.vcpu.stats().insns, 1502);
}

/// A hot inner loop, and a stream of cold blocks each run once.
fn hot_and_cold(cold: u16) -> Asm {
    let mut a = Asm::new(CODE);
    a.li(1, cold as i16).la(3, "cold0");
    a.label("outer").li(5, 10);
    a.label("inner").addi(5, -1).bnez(5, "inner");
    a.label("after").add(3, 6).li(6, 8).jr(3);
    a.label("cold0");
    for _ in 0..cold {
        a.addi(2, 1).jmp("back");
    }
    a.label("back").addi(1, -1).bnez(1, "outer").halt(0);
    a
}

#[test]
fn the_cache_cap_evicts_by_use_without_flushing() {
    let mut a = hot_and_cold(100);
    let config = TbCacheConfig { max_blocks: 8, ..TbCacheConfig::default() };
    let mut t = Toy::with(config, Clock::deterministic(0), &a.finish());
    let mut ids: Vec<TbId> = Vec::new();
    let mut max_len = 0;
    loop {
        match t.run(200) {
            RunExit::BudgetSpent => {}
            RunExit::Stopped(0) => break,
            e => panic!("{e:?}"),
        }
        max_len = max_len.max(t.cache.len());
        if let Some(id) = t.cache.find(&key(a.addr("inner"))) {
            ids.push(id);
        }
    }
    assert_eq!(t.reg(2), 100);
    assert!(max_len <= 8);
    assert_eq!(t.cache.len(), 8);
    let stats = t.cache.stats();
    assert!(stats.evicted >= 95, "{stats:?}");
    assert_eq!(stats.inserted - stats.evicted, 8);
    // The hot loop survived the whole stream of cold blocks.
    let inner = a.addr("inner");
    let translated = t.vcpu.guest().translated.iter().filter(|(pc, _)| *pc == inner).count();
    assert_eq!(translated, 1);
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
}

/// What the sink saw of a hot block: id, PC, count, guest instructions,
/// successors.
type Report = (TbId, u64, u32, usize, [Option<TbId>; 2]);

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Report>>>);

impl HotBlockSink for Recorder {
    fn hot_block(&mut self, b: &HotBlock<'_>) {
        self.0.lock().unwrap().push((b.id, b.key.pc, b.exec_count, b.ir.guest_insns(), b.successors));
    }
}

#[test]
fn the_hot_block_hook_fires_once_at_the_threshold() {
    let mut a = Asm::new(CODE);
    a.li(1, 200).label("loop").addi(2, 1).addi(1, -1).bnez(1, "loop").halt(0);
    let rec = Recorder::default();
    let config = TbCacheConfig { hot_threshold: 50, ..TbCacheConfig::default() };
    let cache = TbCache::with_sink(config, Box::new(rec.clone()));
    let mut t = Toy::with_cache(cache, Clock::deterministic(0), &a.finish());
    assert_eq!(t.run(1_000_000), RunExit::Stopped(0));
    let hot = rec.0.lock().unwrap().clone();
    assert_eq!(hot.len(), 1);
    let (id, pc, count, insns, succ) = hot[0];
    assert_eq!((pc, count, insns), (a.addr("loop"), 50, 3));
    assert_eq!(t.cache.find(&key(pc)), Some(id));
    assert_eq!(succ[0], Some(id));
    assert_eq!(t.cache.stats().hot, 1);
}

/// A device whose registers read as a program (`li r1, 42; halt 5`).
struct ProgramDevice(Vec<u32>);

impl MmioDevice for ProgramDevice {
    fn read(&mut self, offset: u64, size: MemSize) -> Result<u64, BusError> {
        match (size, self.0.get(offset as usize / 4)) {
            (MemSize::B4, Some(&w)) if offset.is_multiple_of(4) => Ok(w.into()),
            _ => Err(BusError),
        }
    }

    fn write(&mut self, _offset: u64, _size: MemSize, _value: u64) -> Result<(), BusError> {
        Err(BusError)
    }
}

#[test]
fn code_in_mmio_runs_uncached_and_code_in_rom_is_cached() {
    const MMIO: u64 = 0x20_0000;
    const ROM: u64 = 0x30_0000;
    let mut a = Asm::new(CODE);
    a.li32(3, MMIO as u32).jr(3);
    let mut t = Toy::new(&a.finish());
    let program = vec![enc(op::LI, 1, 0, 42), enc(op::HALT, 0, 0, 5)];
    t.space.add_mmio(MMIO, 0x1000, Box::new(ProgramDevice(program.clone()))).unwrap();
    assert_eq!(t.run(100), RunExit::Stopped(5));
    assert_eq!(t.reg(1), 42);
    assert_eq!(t.cache.find(&key(MMIO)), None);
    assert_eq!(t.cache.len(), 1);

    let bytes: Vec<u8> = program.iter().flat_map(|w| w.to_le_bytes()).collect();
    t.space.add_rom(ROM, &bytes).unwrap();
    t.set(common::toy::PC, ROM);
    assert_eq!(t.run(100), RunExit::Stopped(5));
    assert!(t.cache.find(&key(ROM)).is_some());
}

#[test]
fn a_block_is_reused_only_while_its_pages_map_the_same_way() {
    // A block at 0x1000, one from 0x1ff8 across into 0x2000, and another
    // page of code at physical 0x5000 that virtual pages will map to.
    let mut a = Asm::new(CODE);
    a.addi(1, 7).halt(4);
    a.org(0x1ff8).addi(1, 1).addi(1, 1).addi(1, 1).halt(0);
    a.org(0x5000).addi(1, 10).halt(1);
    let mut t = Toy::new(&a.finish());
    t.set(common::toy::PC, 0x1ff8);
    assert_eq!(t.run(100), RunExit::Stopped(0));
    assert_eq!(t.reg(1), 3);
    let id = t.cache.find(&key(0x1ff8)).unwrap();
    assert_eq!(t.cache.info(id).unwrap().phys_pages, [Some(0x1000), Some(0x2000)]);

    // Remap the second page: the cached block must not be used.
    t.vcpu.walker_mut().remap = vec![(0x2000, 0x5000)];
    t.vcpu.tlb_mut().flush_all(t.space.arena());
    t.set(8, 0);
    t.set(common::toy::PC, 0x1ff8);
    assert_eq!(t.run(100), RunExit::Stopped(1));
    assert_eq!(t.reg(1), 12);

    // Remap the first page: the jump cache's entry for 0x1000 must not be
    // used either.
    t.vcpu.walker_mut().remap = vec![];
    t.vcpu.tlb_mut().flush_all(t.space.arena());
    t.set(8, 0);
    t.set(common::toy::PC, 0x1000);
    assert_eq!(t.run(100), RunExit::Stopped(4));
    assert_eq!(t.reg(1), 7);
    t.vcpu.walker_mut().remap = vec![(0x1000, 0x5000)];
    t.vcpu.tlb_mut().flush_all(t.space.arena());
    t.set(8, 0);
    t.set(common::toy::PC, 0x1000);
    assert_eq!(t.run(100), RunExit::Stopped(1));
    assert_eq!(t.reg(1), 10);
}
