//! A rig running the same region under the interpreter (member by member,
//! as the vCPU loop chains blocks) and as a module compiled by the code
//! generator in wasmtime, against one softmmu (arena, address space, TLB,
//! an identity page walker), and comparing everything observable.
#![allow(dead_code)]

use arbitrary::Unstructured;
use wemu_ir::arbitrary::{FuzzHelpers, gen_case};
use wemu_ir::runtime::{Exit, ExitKind, FaultCode, GuestMemory, Helpers};
use wemu_ir::{Block, MemOp, MemSize, RmwOp};
use wemu_jit_wasmtime::{Compile, WasmtimeEngine};
use wemu_softmmu::{Access, AddressSpace, CpuMemory, PAGE_MASK, PageWalker, Tlb, Translation};
use wemu_tci::{Interp, TciBlock};
use wemu_wasm_jit::abi::*;
use wemu_wasm_jit::engine::{Engine, JitHost};
use wemu_wasm_jit::{Member, Options, compile_region};

/// RAM: a read-write page at 0x1000 and a read-only one at 0x2000
/// (mapped, but the walker grants no writes).
pub const RAM_BASE: u64 = 0x1000;
pub const RAM_SIZE: u64 = 0x2000;
pub const RO_PAGE: u64 = 0x2000;
/// An MMIO-less hole: the walker maps 0x3000 to unassigned physical
/// memory, so accesses there are bus errors (access faults).
pub const HOLE_PAGE: u64 = 0x3000;
pub const PAGE_FAULT_R: FaultCode = 13;
pub const PAGE_FAULT_W: FaultCode = 15;
pub const ACCESS_FAULT_R: FaultCode = 5;
pub const ACCESS_FAULT_W: FaultCode = 7;
pub const STATE_SIZE: usize = 16384;
pub const TLB_MODES: u8 = 3;
const ARENA: u64 = 1 << 20;

/// Identity translation for the RAM pages and the hole; page faults
/// elsewhere.
#[derive(Debug, Default)]
pub struct Walker;

impl PageWalker for Walker {
    fn translate(
        &mut self,
        _: &mut AddressSpace,
        vaddr: u64,
        _len: u64,
        access: Access,
        _: u8,
    ) -> Result<Translation, FaultCode> {
        let page = vaddr & PAGE_MASK;
        let fault = if access == Access::Write { PAGE_FAULT_W } else { PAGE_FAULT_R };
        if !(RAM_BASE..=HOLE_PAGE).contains(&page) {
            return Err(fault);
        }
        let write = page != RO_PAGE;
        if access == Access::Write && !write {
            return Err(fault);
        }
        Ok(Translation { paddr_page: page, read: true, write, execute: true, asid: 0, global: false })
    }

    fn access_fault(&mut self, _: u64, access: Access) -> FaultCode {
        if access == Access::Write { ACCESS_FAULT_W } else { ACCESS_FAULT_R }
    }
}

/// The helpers: `FuzzHelpers` (ids 0..=3) plus id 9, which fails with code
/// 0x99 when its argument is odd (a `may_fault` helper of the hand-written
/// tests), and id 8, which returns its arguments' sum.
#[derive(Debug, Default)]
pub struct TestHelpers {
    pub fuzz: FuzzHelpers,
}

impl<M: ?Sized> Helpers<M> for TestHelpers {
    fn call(&mut self, id: u32, state: &mut [u8], args: &[u64], mem: &mut M) -> Result<u64, FaultCode> {
        match id {
            8 => {
                self.fuzz.log.push((id, args.to_vec()));
                Ok(args.iter().fold(0u64, |a, b| a.wrapping_add(*b)))
            }
            9 => {
                self.fuzz.log.push((id, args.to_vec()));
                if args.first().copied().unwrap_or(0) & 1 == 1 { Err(0x99) } else { Ok(0x1234) }
            }
            _ => self.fuzz.call(id, state, args, mem),
        }
    }
}

/// The link table generation [`Rig::run_modules`] runs in.
pub const LINK_GENERATION: u32 = 7;

/// A link table entry for [`Rig::run_modules`].
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub pc: u64,
    pub key: u64,
    /// Index of the target module.
    pub module: usize,
    pub member: u32,
    /// Valid if [`LINK_GENERATION`].
    pub generation: u32,
}

/// How a region run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub member: u32,
    pub exit: Exit,
    pub retired: u64,
    pub state: Vec<u8>,
    pub ram: Vec<u8>,
    pub calls: Vec<(u32, Vec<u64>)>,
}

/// What a run starts from.
#[derive(Clone, Debug)]
pub struct Start {
    pub state: Vec<u8>,
    /// Bytes at `RAM_BASE`.
    pub ram: Vec<u8>,
    /// Whether to fill TLB entries (all modes, the RAM pages) first, so
    /// accesses hit.
    pub warm_tlb: bool,
    pub limit: u64,
    pub exit_request: bool,
    pub entry: u32,
}

impl Start {
    pub fn new(state: Vec<u8>, ram: Vec<u8>) -> Start {
        Start { state, ram, warm_tlb: false, limit: u64::MAX, exit_request: false, entry: 0 }
    }
}

#[allow(missing_debug_implementations)]
pub struct Rig {
    pub engine: WasmtimeEngine,
    pub space: AddressSpace,
    pub tlb: Tlb,
    pub walker: Walker,
    pub ctx: u32,
    pub state: u32,
    /// The link table (`abi`, "Links").
    pub links: u32,
    pub interp: Interp,
    pub modules: u64,
    pub module_bytes: u64,
    /// Regions also run as linked modules ([`Rig::run_linked`]), and how
    /// many of those went through at least one link.
    pub linked: u64,
    pub links_taken: u64,
    /// The exit member of the last [`Rig::run_modules`].
    pub exit_member: u32,
    /// Memory imports the last JIT run called.
    pub slow_calls: u64,
}

impl Default for Rig {
    fn default() -> Self {
        Self::new()
    }
}

struct Host<'a> {
    space: &'a mut AddressSpace,
    tlb: &'a mut Tlb,
    walker: &'a mut Walker,
    helpers: &'a mut TestHelpers,
    state: u32,
    /// Memory imports called (the slow path).
    slow: u64,
}

impl Host<'_> {
    fn mem(&mut self) -> CpuMemory<'_, Walker> {
        CpuMemory::new(self.space, self.tlb, self.walker)
    }
}

impl JitHost for Host<'_> {
    fn load(&mut self, addr: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.slow += 1;
        self.mem().load(addr, mem)
    }
    fn store(&mut self, addr: u64, raw: u64, mem: MemOp) -> Result<(), FaultCode> {
        self.slow += 1;
        self.mem().store(addr, raw, mem)
    }
    fn atomic_rmw(&mut self, addr: u64, op: RmwOp, raw: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.slow += 1;
        self.mem().atomic_rmw(addr, op, raw, mem)
    }
    fn atomic_cmpxchg(&mut self, addr: u64, expected: u64, new: u64, mem: MemOp) -> Result<u64, FaultCode> {
        self.slow += 1;
        self.mem().atomic_cmpxchg(addr, expected, new, mem)
    }
    fn helper(&mut self, id: u32, args: &[u64]) -> Result<u64, FaultCode> {
        let mut state = vec![0u8; STATE_SIZE];
        self.space.arena().read_bytes(u64::from(self.state), &mut state).unwrap();
        let mut mem = CpuMemory::new(&mut *self.space, &mut *self.tlb, &mut *self.walker);
        let r = self.helpers.call(id, &mut state, args, &mut mem);
        self.space.arena().write_bytes(u64::from(self.state), &state).unwrap();
        r
    }
    fn ctx_read(&self, addr: u32) -> u64 {
        self.space.arena().read(u64::from(addr), MemSize::B8).unwrap_or(0)
    }
    fn ctx_write_u32(&mut self, addr: u32, value: u32) {
        let _ = self.space.arena().write(u64::from(addr), MemSize::B4, u64::from(value));
    }
}

/// Validates `wasm` as the module shape needs (threads only if shared).
pub fn validate(wasm: &[u8], shared: bool) {
    let mut features = wasmparser::WasmFeatures::WASM2 | wasmparser::WasmFeatures::TAIL_CALL;
    if shared {
        features |= wasmparser::WasmFeatures::THREADS;
    }
    let mut v = wasmparser::Validator::new_with_features(features);
    if let Err(e) = v.validate_all(wasm) {
        panic!("invalid module (shared {shared}): {e}");
    }
}

impl Rig {
    pub fn new() -> Rig {
        let engine = WasmtimeEngine::new(ARENA, Compile::Inline).unwrap();
        let arena = wemu_jit_wasmtime::arena(&engine);
        assert_eq!(arena.wasm_base(), 0);
        let mut space = AddressSpace::new(arena);
        space.add_ram(RAM_BASE, RAM_SIZE).unwrap();
        let tlb = Tlb::new(space.arena_mut(), TLB_MODES).unwrap();
        let ctx = space.arena_mut().alloc(u64::from(CTX_SIZE), 8).unwrap();
        let state = space.arena_mut().alloc(STATE_SIZE as u64, 8).unwrap();
        let links = space.arena_mut().alloc(u64::from(LINK_TABLE_SIZE), 64).unwrap();
        Rig {
            links,
            engine,
            space,
            tlb,
            walker: Walker,
            ctx,
            state,
            interp: Interp::new(),
            modules: 0,
            module_bytes: 0,
            linked: 0,
            links_taken: 0,
            exit_member: 0,
            slow_calls: 0,
        }
    }

    fn reset(&mut self, start: &Start) {
        let arena = self.space.arena();
        let mut state = start.state.clone();
        state.resize(STATE_SIZE, 0);
        arena.write_bytes(u64::from(self.state), &state).unwrap();
        let mut ram = start.ram.clone();
        ram.resize(RAM_SIZE as usize, 0);
        let ram_off = match self.space.resolve(RAM_BASE) {
            wemu_softmmu::Resolved::Memory { arena_offset, .. } => arena_offset,
            _ => unreachable!(),
        };
        self.space.arena().write_bytes(ram_off, &ram).unwrap();
        self.tlb.flush_all(self.space.arena());
        if start.warm_tlb {
            let mut mem = CpuMemory::new(&mut self.space, &mut self.tlb, &mut self.walker);
            for m in 0..TLB_MODES {
                for page in [RAM_BASE, RO_PAGE] {
                    let _ = mem.load(page, MemOp::le(MemSize::B1, false).with_mmu(m));
                }
                // Fills the write tag too (writes the byte it read).
                let v = mem.load(RAM_BASE, MemOp::le(MemSize::B1, false).with_mmu(m)).unwrap();
                mem.store(RAM_BASE, v, MemOp::le(MemSize::B1, false).with_mmu(m)).unwrap();
            }
        }
    }

    fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        let mut state = vec![0u8; STATE_SIZE];
        self.space.arena().read_bytes(u64::from(self.state), &mut state).unwrap();
        let mut ram = vec![0u8; RAM_SIZE as usize];
        let ram_off = match self.space.resolve(RAM_BASE) {
            wemu_softmmu::Resolved::Memory { arena_offset, .. } => arena_offset,
            _ => unreachable!(),
        };
        self.space.arena().read_bytes(ram_off, &mut ram).unwrap();
        (state, ram)
    }

    /// Runs the region in the interpreter, member by member.
    pub fn run_tci(&mut self, members: &[Member<'_>], start: &Start) -> Outcome {
        self.reset(start);
        let tbs: Vec<TciBlock> = members.iter().map(|m| TciBlock::compile(m.ir).unwrap()).collect();
        let mut helpers = TestHelpers::default();
        let mut member = start.entry;
        let mut retired = 0u64;
        if member as usize >= members.len() {
            let (state, ram) = self.snapshot();
            return Outcome {
                member: 0,
                exit: Exit { kind: ExitKind::LookupTb, insn_pc: 0, insns: 0 },
                retired,
                state,
                ram,
                calls: vec![],
            };
        }
        let mut steps = 0;
        let exit = loop {
            steps += 1;
            assert!(steps < 100_000, "region does not end");
            let mut state = vec![0u8; STATE_SIZE];
            self.space.arena().read_bytes(u64::from(self.state), &mut state).unwrap();
            let exit = {
                let mut mem = CpuMemory::new(&mut self.space, &mut self.tlb, &mut self.walker);
                self.interp.run(&tbs[member as usize], &mut state, &mut mem, &mut helpers)
            };
            self.space.arena().write_bytes(u64::from(self.state), &state).unwrap();
            let m = &members[member as usize];
            if let ExitKind::GotoTb { slot, .. } = exit.kind
                && let Some(next) = m.successors[usize::from(slot)]
                && m.ir.guest_insns() > 0
            {
                // As the ABI says: at the limit or on request the member's
                // instructions are the exit's, not `retired`'s.
                let n = m.ir.guest_insns() as u64;
                if retired + n >= start.limit || start.exit_request {
                    break exit;
                }
                retired += n;
                member = next;
                continue;
            }
            break exit;
        };
        let (state, ram) = self.snapshot();
        Outcome { member, exit, retired, state, ram, calls: helpers.fuzz.log }
    }

    /// Compiles the region (validating the module) and runs it.
    pub fn run_jit(&mut self, members: &[Member<'_>], start: &Start) -> Outcome {
        let options = Options { shared_memory: true, wasm_base: 0, ..Options::default() };
        let wasm = compile_region(members, &options).unwrap_or_else(|e| panic!("{e}"));
        validate(&wasm, true);
        // The unshared variant must validate without threads too.
        let unshared =
            compile_region(members, &Options { shared_memory: false, wasm_base: 0, ..Options::default() }).unwrap();
        validate(&unshared, false);
        self.modules += 1;
        self.module_bytes += wasm.len() as u64;
        let ticket = self.engine.submit(wasm);
        let (t, module) = self.engine.poll().unwrap();
        assert_eq!(t, ticket);
        let module = module.unwrap_or_else(|e| panic!("{e}"));
        let out = self.run_module(module, start);
        self.engine.release(module);
        out
    }

    /// The region as one module per member, compiled with links, each
    /// `goto_tb` that chains in the region linked through the link table
    /// to its successor's module (the PC of the `goto_tb` names it). `None`
    /// when the PCs cannot say that (two successors for one PC, PCs
    /// sharing a table entry, a non-chaining `goto_tb` to a linked PC) or
    /// the entry is out of range. The outcome's member is the region the
    /// exit happened in ([`CTX_REGION`]).
    pub fn run_linked(&mut self, members: &[Member<'_>], start: &Start) -> Option<Outcome> {
        const KEY: u64 = 0x1234;
        if start.entry as usize >= members.len() {
            return None;
        }
        let mut linked: Vec<(u64, u32)> = Vec::new();
        let mut exits: Vec<u64> = Vec::new();
        for m in members {
            for inst in &m.ir.insts {
                if let wemu_ir::Inst::GotoTb { slot, pc } = *inst {
                    match m.successors[usize::from(slot)] {
                        Some(j) if m.ir.guest_insns() > 0 => linked.push((pc, j)),
                        _ => exits.push(pc),
                    }
                }
            }
        }
        for (i, &(pc, j)) in linked.iter().enumerate() {
            for &(pc2, j2) in &linked[..i] {
                if (pc == pc2 && j != j2) || (pc != pc2 && link_index(pc) == link_index(pc2)) {
                    return None;
                }
            }
            if exits.iter().any(|&e| link_index(e) == link_index(pc)) {
                return None;
            }
        }
        // `lookup_tb` links too, from a PC the generated IR never writes
        // (0, which has no entry: a miss).
        let options =
            Options { shared_memory: true, wasm_base: 0, links: true, pc_offset: Some(STATE_SIZE as u32 - 8) };
        let wasm: Vec<Vec<u8>> = members
            .iter()
            .map(|m| {
                let one = [Member { ir: m.ir, successors: [None, None], key: KEY }];
                compile_region(&one, &options).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let links: Vec<Link> = linked
            .iter()
            .map(|&(pc, j)| Link { pc, key: KEY, module: j as usize, member: 0, generation: LINK_GENERATION })
            .collect();
        let out = self.run_modules(&wasm, &links, start.entry as usize, &Start { entry: 0, ..start.clone() });
        self.linked += 1;
        if out.member != start.entry || out.retired > 0 {
            self.links_taken += 1;
        }
        Some(out)
    }

    /// Compiles `wasm` (modules generated with links), fills the link
    /// table with `links` (the region number of a link is its module's
    /// index in `wasm`) and runs module `first` from member `start.entry`.
    /// The outcome's member is the region the exit happened in
    /// ([`CTX_REGION`]), its exit member is in `exit_member`.
    pub fn run_modules(&mut self, wasm: &[Vec<u8>], links: &[Link], first: usize, start: &Start) -> Outcome {
        let mut modules = Vec::new();
        for w in wasm {
            validate(w, true);
            let ticket = self.engine.submit(w.clone());
            let (t, module) = self.engine.poll().unwrap();
            assert_eq!(t, ticket);
            modules.push(module.unwrap_or_else(|e| panic!("{e}")));
        }
        let arena = self.space.arena();
        let table = u64::from(self.links);
        for i in 0..LINK_ENTRIES {
            arena.write(table + u64::from(i * LINK_ENTRY_SIZE + LINK_KEY), MemSize::B8, LINK_EMPTY).unwrap();
        }
        for l in links {
            let at = table + u64::from(link_index(l.pc) * LINK_ENTRY_SIZE);
            let entry = link_entry(l.pc, l.key, modules[l.module], l.member, l.module as u32, l.generation);
            arena.write_bytes(at, &entry).unwrap();
        }
        let mut out = self.run_module_in(modules[first], start, first as u32);
        self.exit_member = out.member;
        out.member = self.space.arena().read(u64::from(self.ctx + CTX_REGION), MemSize::B4).unwrap() as u32;
        for m in modules {
            self.engine.release(m);
        }
        out
    }

    pub fn run_module(&mut self, module: u32, start: &Start) -> Outcome {
        self.run_module_in(module, start, 0)
    }

    /// Runs `module` with [`CTX_REGION`] set to `region`.
    fn run_module_in(&mut self, module: u32, start: &Start, region: u32) -> Outcome {
        self.reset(start);
        let ctx = u64::from(self.ctx);
        let arena = self.space.arena();
        let w32 = |off: u32, v: u32| arena.write(ctx + u64::from(off), MemSize::B4, u64::from(v)).unwrap();
        let w64 = |off: u32, v: u64| arena.write(ctx + u64::from(off), MemSize::B8, v).unwrap();
        // Garbage everywhere first: generated code must not rely on it.
        arena.fill(ctx, u64::from(CTX_SIZE), 0xa5).unwrap();
        w32(CTX_STATE, self.state);
        w32(CTX_TLB, self.tlb.arena_offset());
        w64(CTX_LIMIT, start.limit);
        w32(CTX_EXIT_REQUEST, u32::from(start.exit_request));
        w64(CTX_RETIRED, 0);
        w32(CTX_LINKS, self.links);
        w32(CTX_REGION, region);
        w32(CTX_LINK_GEN, LINK_GENERATION);
        let mut helpers = TestHelpers::default();
        let mut host = Host {
            space: &mut self.space,
            tlb: &mut self.tlb,
            walker: &mut self.walker,
            helpers: &mut helpers,
            state: self.state,
            slow: 0,
        };
        let kind = self.engine.run(module, start.entry, self.ctx, &mut host).unwrap_or_else(|e| panic!("{e}"));
        self.slow_calls = host.slow;
        let arena = self.space.arena();
        let r32 = |off: u32| arena.read(ctx + u64::from(off), MemSize::B4).unwrap() as u32;
        let r64 = |off: u32| arena.read(ctx + u64::from(off), MemSize::B8).unwrap();
        assert_eq!(r32(CTX_EXIT_KIND), kind);
        let RunOutcome { member, exit, retired } = read_outcome(kind, r32, r64);
        assert!(!matches!(exit.kind, ExitKind::BadBlock), "exit kind {kind}");
        let (state, ram) = self.snapshot();
        Outcome { member, exit, retired, state, ram, calls: helpers.fuzz.log }
    }

    /// Runs both and compares; `Err` describes the difference.
    pub fn check(&mut self, members: &[Member<'_>], start: &Start) -> Result<Outcome, String> {
        let tci = self.run_tci(members, start);
        let jit = self.run_jit(members, start);
        let linked = self.run_linked(members, start);
        compare(&tci, &jit)
            .and_then(|()| linked.map_or(Ok(()), |l| compare(&tci, &l).map_err(|e| format!("linked modules: {e}"))))
            .map_err(|e| {
                let mut msg = e;
                for (i, m) in members.iter().enumerate() {
                    msg += &format!("member {i} (successors {:?}):\n{}", m.successors, wemu_ir::text::print(m.ir));
                }
                msg
            })?;
        Ok(jit)
    }
}

pub fn compare(tci: &Outcome, jit: &Outcome) -> Result<(), String> {
    if tci == jit {
        return Ok(());
    }
    let mut msg = String::from("interpreter and JIT differ:\n");
    if (tci.member, tci.exit, tci.retired) != (jit.member, jit.exit, jit.retired) {
        msg += &format!(
            "  member {} exit {:?} retired {}\n      vs {} {:?} {}\n",
            tci.member, tci.exit, tci.retired, jit.member, jit.exit, jit.retired
        );
    }
    for (i, (x, y)) in tci.state.iter().zip(&jit.state).enumerate() {
        if x != y {
            msg += &format!("  state[{i}] {x:#04x} vs {y:#04x}\n");
        }
    }
    for (i, (x, y)) in tci.ram.iter().zip(&jit.ram).enumerate() {
        if x != y {
            msg += &format!("  ram[{:#x}] {x:#04x} vs {y:#04x}\n", RAM_BASE + i as u64);
        }
    }
    if tci.calls != jit.calls {
        msg += &format!("  calls {:?}\n     vs {:?}\n", tci.calls, jit.calls);
    }
    Err(msg)
}

/// A single-member region without successors.
pub fn single(b: &Block) -> [Member<'_>; 1] {
    [Member { ir: b, successors: [None, None], key: 0 }]
}

/// Builds a region from `data` and checks it; `Ok(false)` if the bytes ran
/// out before a case was made.
pub fn check_bytes(rig: &mut Rig, data: &[u8]) -> Result<bool, String> {
    let mut u = Unstructured::new(data);
    let Ok(n) = u.int_in_range(1..=3u32) else { return Ok(false) };
    let mut blocks: Vec<Block> = Vec::new();
    let mut start = None;
    for _ in 0..n {
        let Ok(case) = gen_case(&mut u) else { break };
        let mut b = case.block;
        if u.arbitrary::<bool>().unwrap_or(true) {
            wemu_ir::opt::optimize(&mut b);
        }
        wemu_ir::verify(&b).map_err(|e| format!("generated block does not verify: {e}"))?;
        blocks.push(b);
        start.get_or_insert((case.state, case.memory));
    }
    let Some((state, ram)) = start else { return Ok(false) };
    let n = blocks.len() as u32;
    let mut succ = Vec::new();
    for _ in 0..n {
        let mut s = [None, None];
        for x in &mut s {
            if u.ratio(2, 3).unwrap_or(false) {
                *x = Some(u.int_in_range(0..=n - 1).unwrap_or(0));
            }
        }
        succ.push(s);
    }
    if u.arbitrary::<bool>().unwrap_or(false) {
        // PCs that say where each `goto_tb` leads (the generator's are
        // random), so the run as linked modules can take its links.
        for (i, b) in blocks.iter_mut().enumerate() {
            for inst in &mut b.insts {
                if let wemu_ir::Inst::GotoTb { slot, pc } = inst {
                    *pc = match succ[i][usize::from(*slot)] {
                        Some(j) => 0x8000_0000 + 2 * u64::from(j),
                        None => 0x8000_0100 + 4 * i as u64 + 2 * u64::from(*slot),
                    };
                }
            }
        }
    }
    let members: Vec<Member<'_>> =
        blocks.iter().zip(&succ).map(|(ir, s)| Member { ir, successors: *s, key: 0 }).collect();
    let mut start = Start::new(state, ram);
    start.warm_tlb = u.arbitrary().unwrap_or(false);
    // Regions may loop forever: the limit ends them.
    start.limit = if u.arbitrary().unwrap_or(true) {
        u.int_in_range(0..=40).unwrap_or(7)
    } else {
        u.int_in_range(100..=400).unwrap_or(100)
    };
    start.exit_request = u.ratio(1, 10).unwrap_or(false);
    start.entry = if u.ratio(1, 20).unwrap_or(false) { n } else { u.int_in_range(0..=n - 1).unwrap_or(0) };
    if std::env::var("WEMU_JIT_TRACE").is_ok() {
        for (i, m) in members.iter().enumerate() {
            eprintln!("member {i} {:?}\n{}", m.successors, wemu_ir::text::print(m.ir));
        }
        eprintln!("limit {} request {} entry {} warm {}", start.limit, start.exit_request, start.entry, start.warm_tlb);
    }
    rig.check(&members, &start)?;
    Ok(true)
}
