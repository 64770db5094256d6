//! The contract between a generated module and the host that runs it.
//!
//! Everything here is fixed: the code generator emits it, every engine (the
//! native wasmtime one, the browser's `WebAssembly.Instance`) and the vCPU
//! loop read it.
//!
//! # The module
//!
//! A generated module imports, from module [`IMPORT_MODULE`]:
//!
//! | name | type | what it is |
//! |---|---|---|
//! | [`MEMORY`] | memory 0 | the arena (shared when the engine says so) |
//! | [`LOAD`] | `(ctx i32, addr i64, memop i32) -> i64` | slow-path load: raw value |
//! | [`STORE`] | `(ctx i32, addr i64, value i64, memop i32) -> ()` | slow-path store |
//! | [`RMW`] | `(ctx i32, addr i64, value i64, memop_rmw i32) -> i64` | atomic read-modify-write, old raw value |
//! | [`CMPXCHG`] | `(ctx i32, addr i64, expected i64, new i64, memop i32) -> i64` | compare-and-exchange, old raw value |
//! | [`HELPER`] | `(ctx i32, id i32, nargs i32) -> i64` | helper call; arguments at `ctx + `[`CTX_ARGS`] |
//!
//! and exports one function, [`RUN`]: `(ctx i32, entry i32) -> i32`. `ctx`
//! is the Wasm address of the vCPU's context block (below), `entry` the
//! index of the region member to start at; it returns the exit kind (the
//! same value it stores at [`CTX_EXIT_KIND`]).
//!
//! A module generated with links ([`crate::Options::links`]) also imports
//! [`REGIONS`], a `funcref` table holding every live module's `run` at the
//! index that is its [`ModuleId`](crate::engine::ModuleId), and may leave
//! through `return_call_indirect` into another module (see "Links" below).
//!
//! Values cross the imports as in [`wemu_ir::runtime::GuestMemory`]: raw
//! little-endian numbers of the access size, zero-extended; generated code
//! applies byte order and sign extension and checks alignment before it
//! calls. An import that fails stores 1 at [`CTX_FAULT`] and the fault code
//! at [`CTX_FAULT_CODE`] (the returned value is then meaningless);
//! generated code clears [`CTX_FAULT`] never: the host's import glue writes
//! 0 there on success, so one load after the call tells. A helper's
//! arguments are `nargs` (at most [`MAX_HELPER_ARGS`]) u64 at
//! [`CTX_ARGS`].
//!
//! # The context block
//!
//! One per vCPU, in the arena, 8-byte aligned, [`CTX_SIZE`] bytes, all
//! little-endian:
//!
//! | offset | field | direction | meaning |
//! |---|---|---|---|
//! | [`CTX_STATE`] | u32 | in | Wasm address of the CPU-state block |
//! | [`CTX_TLB`] | u32 | in | Wasm address of the vCPU's TLB (`wemu_softmmu::tlb` layout) |
//! | [`CTX_LIMIT`] | u64 | in | do not start another member once `retired >= limit` |
//! | [`CTX_RETIRED`] | u64 | out | instructions of the members completed in this call; current at every member boundary, so an import can read it |
//! | [`CTX_EXIT_REQUEST`] | u32 | in | nonzero: leave at the next member boundary (an import sets it after MMIO, another thread to interrupt) |
//! | [`CTX_FAULT`] | u32 | out of imports | 0: the import succeeded; 1: it failed |
//! | [`CTX_FAULT_CODE`] | u32 | out of imports | the fault code |
//! | [`CTX_EXIT_MEMBER`] | u32 | out | the member the exit happened in |
//! | [`CTX_EXIT_KIND`] | u32 | out | one of the `EXIT_*` kinds |
//! | [`CTX_EXIT_A`] | u32 | out | `goto_tb` slot, `exit_tb` status, helper id, or 1 for a write fault |
//! | [`CTX_EXIT_CODE`] | u32 | out | fault code (memory and helper faults) |
//! | [`CTX_EXIT_INSNS`] | u32 | out | `insn_start`s executed in the exit's member, as [`wemu_ir::runtime::Exit::insns`] |
//! | [`CTX_EXIT_PC`] | u64 | out | `goto_tb` target PC |
//! | [`CTX_EXIT_INSN_PC`] | u64 | out | PC of the last `insn_start` executed in the exit's member (0 if none) |
//! | [`CTX_EXIT_ADDR`] | u64 | out | faulting address (memory faults, misalignment) |
//! | [`CTX_ARGS`] | `[u64; 8]` | out | helper arguments |
//! | [`CTX_LINKS`] | u32 | in | Wasm address of the vCPU's link table (modules generated with links) |
//! | [`CTX_REGION`] | u32 | in/out | the host's number of the region running; a link sets it to the target's, so at the exit it names the region the exit member belongs to |
//! | [`CTX_LINK_GEN`] | u32 | in | the link table's generation: only entries of this generation are valid |
//!
//! # Member boundaries
//!
//! When a member leaves through `goto_tb slot` to a block that is also a
//! member: if `retired` plus the member's instruction count reaches
//! `limit`, or the exit request is set, generated code exits with
//! [`EXIT_GOTO_TB`] from that member (whose instructions are then the
//! exit's, [`CTX_EXIT_INSNS`], not `retired`'s; the host chains as after
//! any block); otherwise it adds the count to `retired` and goes on with
//! the successor inside the module. Globals live in Wasm
//! locals across members: loaded from the state at entry, stored back at
//! every exit and before each helper that reads state, reloaded after each
//! helper that writes it. `retired` is read from the context block at
//! entry (the host sets it to 0 before a run; a link carries it on).
//!
//! # Links
//!
//! A member boundary that leaves the module — `lookup_tb` (the PC in the
//! state, at [`crate::Options::pc_offset`]) or `goto_tb` to a block outside
//! the region — may continue in another module without returning to the
//! host. The host keeps, per vCPU, a direct-mapped link table of
//! [`LINK_ENTRIES`] entries of [`LINK_ENTRY_SIZE`] bytes at
//! [`CTX_LINKS`]; the entry of a PC is at [`link_index`]:
//!
//! | offset | field | meaning |
//! |---|---|---|
//! | [`LINK_PC`] | u64 | the block's guest PC |
//! | [`LINK_KEY`] | u64 | [`link_key`] of its translation flags and fetch MMU index; [`LINK_EMPTY`] in a free entry |
//! | [`LINK_FUNC`] | u32 | the target module's index in [`REGIONS`] |
//! | [`LINK_MEMBER`] | u32 | the block's member index in that module |
//! | [`LINK_REGION`] | u32 | the host's region number, stored at [`CTX_REGION`] |
//! | [`LINK_GEN`] | u32 | the generation the entry was filled in |
//!
//! At such a boundary, when the limit and the exit request allow going on
//! (as for a member transition), generated code looks the target PC up;
//! if the entry's PC, key and generation match (the key is the exiting
//! member's own: a block that changes what the key derives from ends with
//! `exit_tb`; the generation is [`CTX_LINK_GEN`]), it counts
//! the member in `retired`, stores the globals back, sets [`CTX_REGION`]
//! and tail-calls `run(ctx, member)` of the target. Otherwise it exits as
//! without links. The host fills entries for blocks it enters and must
//! invalidate entries whose module it releases or whose translation the
//! guest may have changed (any TLB flush) before generated code runs
//! again, which it does at once for all by moving to a new generation.

use wemu_ir::runtime::{Exit, ExitKind};
use wemu_ir::{Endian, MemOp, MemSize, RmwOp};

/// The module name of every import.
pub const IMPORT_MODULE: &str = "wemu";
/// The arena memory.
pub const MEMORY: &str = "memory";
/// Slow-path load.
pub const LOAD: &str = "load";
/// Slow-path store.
pub const STORE: &str = "store";
/// Atomic read-modify-write.
pub const RMW: &str = "rmw";
/// Atomic compare-and-exchange.
pub const CMPXCHG: &str = "cmpxchg";
/// Helper call.
pub const HELPER: &str = "helper";
/// The exported entry function.
pub const RUN: &str = "run";
/// The table of every live module's `run` (modules generated with links).
pub const REGIONS: &str = "regions";

pub const CTX_STATE: u32 = 0;
pub const CTX_TLB: u32 = 4;
pub const CTX_LIMIT: u32 = 8;
pub const CTX_RETIRED: u32 = 16;
pub const CTX_EXIT_REQUEST: u32 = 24;
pub const CTX_FAULT: u32 = 28;
pub const CTX_FAULT_CODE: u32 = 32;
pub const CTX_EXIT_MEMBER: u32 = 36;
pub const CTX_EXIT_KIND: u32 = 40;
pub const CTX_EXIT_A: u32 = 44;
pub const CTX_EXIT_CODE: u32 = 48;
pub const CTX_EXIT_INSNS: u32 = 52;
pub const CTX_EXIT_PC: u32 = 56;
pub const CTX_EXIT_INSN_PC: u32 = 64;
pub const CTX_EXIT_ADDR: u32 = 72;
pub const CTX_ARGS: u32 = 80;
/// Helper arguments the context block has room for.
pub const MAX_HELPER_ARGS: usize = 8;
pub const CTX_LINKS: u32 = CTX_ARGS + 8 * MAX_HELPER_ARGS as u32;
pub const CTX_REGION: u32 = CTX_LINKS + 4;
pub const CTX_LINK_GEN: u32 = CTX_REGION + 4;
/// Bytes of the context block.
pub const CTX_SIZE: u32 = CTX_LINK_GEN + 4;

/// Entries of a link table (a power of two).
pub const LINK_ENTRIES: u32 = 2048;
/// Bytes of a link table entry.
pub const LINK_ENTRY_SIZE: u32 = 32;
/// Bytes of a link table.
pub const LINK_TABLE_SIZE: u32 = LINK_ENTRIES * LINK_ENTRY_SIZE;
pub const LINK_PC: u32 = 0;
pub const LINK_KEY: u32 = 8;
pub const LINK_FUNC: u32 = 16;
pub const LINK_MEMBER: u32 = 20;
pub const LINK_REGION: u32 = 24;
pub const LINK_GEN: u32 = 28;
/// [`LINK_KEY`] of a free entry: no [`link_key`] (its bits 40..64 are 0).
pub const LINK_EMPTY: u64 = u64::MAX;

/// The link table entry of guest PC `pc` (generated code computes the
/// same in Wasm).
pub const fn link_index(pc: u64) -> u32 {
    ((pc >> 1) ^ (pc >> 12)) as u32 & (LINK_ENTRIES - 1)
}

/// The bytes of a link table entry (see "Links"): `pc` and `key` lead to
/// member `member` of the module at `func` in [`REGIONS`], the host's
/// region `region`, valid in generation `generation`.
pub fn link_entry(
    pc: u64,
    key: u64,
    func: u32,
    member: u32,
    region: u32,
    generation: u32,
) -> [u8; LINK_ENTRY_SIZE as usize] {
    let mut e = [0u8; LINK_ENTRY_SIZE as usize];
    let mut put = |off: u32, bytes: &[u8]| e[off as usize..off as usize + bytes.len()].copy_from_slice(bytes);
    put(LINK_PC, &pc.to_le_bytes());
    put(LINK_KEY, &key.to_le_bytes());
    put(LINK_FUNC, &func.to_le_bytes());
    put(LINK_MEMBER, &member.to_le_bytes());
    put(LINK_REGION, &region.to_le_bytes());
    put(LINK_GEN, &generation.to_le_bytes());
    e
}

/// The key a link entry matches besides the PC: a block's translation
/// flags and fetch MMU index.
pub const fn link_key(flags: u32, mmu_idx: u8) -> u64 {
    flags as u64 | (mmu_idx as u64) << 32
}

/// Exit kinds ([`CTX_EXIT_KIND`]), mirroring [`wemu_ir::runtime::ExitKind`].
pub const EXIT_GOTO_TB: u32 = 0;
pub const EXIT_LOOKUP_TB: u32 = 1;
pub const EXIT_STATUS: u32 = 2;
pub const EXIT_MEM_FAULT: u32 = 3;
pub const EXIT_MISALIGNED: u32 = 4;
pub const EXIT_HELPER_FAULT: u32 = 5;

/// Encodes a [`MemOp`] as the `memop` argument of the imports: bits 0..2
/// log2 of the size, bit 2 signed, bit 3 big-endian, bits 4..8 alignment
/// log2, bits 8..12 MMU index.
pub const fn encode_memop(m: MemOp) -> u32 {
    m.size.log2()
        | (m.signed as u32) << 2
        | (matches!(m.endian, Endian::Big) as u32) << 3
        | (m.align_log2 as u32 & 0xf) << 4
        | (m.mmu_idx as u32 & 0xf) << 8
}

/// Decodes a `memop` argument ([`encode_memop`]). Bits it does not define
/// are ignored, so no value the guest can influence makes it fail.
pub const fn decode_memop(v: u32) -> MemOp {
    let size = match v & 3 {
        0 => MemSize::B1,
        1 => MemSize::B2,
        2 => MemSize::B4,
        _ => MemSize::B8,
    };
    MemOp {
        size,
        signed: v & 4 != 0,
        endian: if v & 8 != 0 { Endian::Big } else { Endian::Little },
        align_log2: ((v >> 4) & 0xf) as u8,
        mmu_idx: ((v >> 8) & 0xf) as u8,
    }
}

/// The [`RMW`] import's last argument: the memop with the operation in
/// bits 16..24 (its index in [`RmwOp::ALL`]).
pub fn encode_memop_rmw(m: MemOp, op: RmwOp) -> u32 {
    let index = RmwOp::ALL.iter().position(|o| *o == op).unwrap_or(0) as u32;
    encode_memop(m) | index << 16
}

/// Decodes [`encode_memop_rmw`]; an unknown operation index is `None`.
pub fn decode_memop_rmw(v: u32) -> Option<(MemOp, RmwOp)> {
    let op = *RmwOp::ALL.get(((v >> 16) & 0xff) as usize)?;
    Some((decode_memop(v), op))
}

/// What a run left in the context block: the exit of the member it ended
/// in, and the instructions of the members it completed before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// The member the exit happened in ([`CTX_EXIT_MEMBER`]).
    pub member: u32,
    /// The exit, as the interpreter would report it for that member; an
    /// unknown kind is [`ExitKind::BadBlock`].
    pub exit: Exit,
    /// [`CTX_RETIRED`].
    pub retired: u64,
}

/// Reads a run's outcome from the context block through `r32`/`r64`
/// (which read the u32/u64 at an offset into the block); `kind` is what
/// `run` returned.
pub fn read_outcome(kind: u32, r32: impl Fn(u32) -> u32, r64: impl Fn(u32) -> u64) -> RunOutcome {
    let (a, code) = (r32(CTX_EXIT_A), r32(CTX_EXIT_CODE));
    let (pc, addr) = (r64(CTX_EXIT_PC), r64(CTX_EXIT_ADDR));
    let kind = match kind {
        EXIT_GOTO_TB => ExitKind::GotoTb { slot: a as u8, pc },
        EXIT_LOOKUP_TB => ExitKind::LookupTb,
        EXIT_STATUS => ExitKind::Status(a),
        EXIT_MEM_FAULT => ExitKind::MemFault { addr, code, write: a != 0 },
        EXIT_MISALIGNED => ExitKind::Misaligned { addr, write: a != 0 },
        EXIT_HELPER_FAULT => ExitKind::HelperFault { helper: a, code },
        _ => ExitKind::BadBlock,
    };
    RunOutcome {
        member: r32(CTX_EXIT_MEMBER),
        exit: Exit { kind, insn_pc: r64(CTX_EXIT_INSN_PC), insns: r32(CTX_EXIT_INSNS) },
        retired: r64(CTX_RETIRED),
    }
}
