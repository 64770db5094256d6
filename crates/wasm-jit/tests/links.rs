//! Links (`abi`, "Links"): a module leaving through `lookup_tb` or a
//! `goto_tb` outside its region continues in the module the link table
//! names, when the entry's PC and key match and the limit and the exit
//! request allow; otherwise it exits as without links. Checked against
//! what the interpreter gives for the same blocks run one after the other.

mod common;

use std::sync::Arc;

use common::*;
use wemu_ir::runtime::ExitKind;
use wemu_ir::{BinaryOp, Block, Builder, GlobalId, Globals, Inst, Temp, Type, Value};
use wemu_wasm_jit::{Member, Options, compile_region};

/// `pc` is the guest PC the blocks' `lookup_tb` continues at.
const PC: u32 = 24;

fn globals() -> Arc<Globals> {
    let mut g = Globals::new();
    g.add("a", Type::I64, 0);
    g.add("b", Type::I64, 8);
    g.add("n", Type::I64, 16);
    g.add("pc", Type::I64, PC);
    Arc::new(g)
}

fn g(i: u32) -> Temp {
    Temp::Global(GlobalId(i))
}

fn state(a: u64) -> Vec<u8> {
    let mut s = vec![0u8; 32];
    s[..8].copy_from_slice(&a.to_le_bytes());
    s
}

/// Block at `pc`: two instructions, `a += 1`, `n += 1`, then `lookup_tb`
/// to `to` (through the PC global), or `goto_tb 1, to`.
fn hop(pc: u64, to: u64, indirect: bool) -> Block {
    let mut b = Builder::new(globals());
    b.insn_start(pc);
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(0), a: g(0).into(), b: Value::Const(1) });
    b.insn_start(pc + 4);
    b.push(Inst::Binary { op: BinaryOp::Add, ty: Type::I64, dst: g(2), a: g(2).into(), b: Value::Const(1) });
    if indirect {
        b.mov(Type::I64, g(3), Value::Const(to));
        b.lookup_tb();
    } else {
        b.goto_tb(1, to);
    }
    b.finish()
}

/// Block at `pc`: `b = a * 3`, `exit_tb 5`.
fn last(pc: u64) -> Block {
    let mut b = Builder::new(globals());
    b.insn_start(pc);
    b.push(Inst::Binary { op: BinaryOp::Mul, ty: Type::I64, dst: g(1), a: g(0).into(), b: Value::Const(3) });
    b.exit_tb(5);
    b.finish()
}

const KEY: u64 = 0x3_0000_0001;

fn compile(b: &Block, key: u64) -> Vec<u8> {
    let options = Options { shared_memory: true, wasm_base: 0, links: true, pc_offset: Some(PC) };
    let one = [Member { ir: b, successors: [None, None], key }];
    compile_region(&one, &options).unwrap()
}

/// `b` as member 0 of a region whose member 1 (never run) has another key,
/// so the members' keys differ.
fn compile_mixed(b: &Block, key: u64) -> Vec<u8> {
    let options = Options { shared_memory: true, wasm_base: 0, links: true, pc_offset: Some(PC) };
    let other = last(0x999);
    let two =
        [Member { ir: b, successors: [None, None], key }, Member { ir: &other, successors: [None, None], key: !key }];
    compile_region(&two, &options).unwrap()
}

fn read(out: &Outcome, off: usize) -> u64 {
    u64::from_le_bytes(out.state[off..off + 8].try_into().unwrap())
}

/// Three modules, 0x100 -> 0x200 -> 0x300, through `lookup_tb` or
/// `goto_tb`: with every link in the table the run goes through all three
/// and ends at the `exit_tb` in the last; it stops where the limit, the
/// exit request, a missing entry, a key or a generation mismatch says, in
/// the exiting module with its state exact.
#[test]
fn chains_of_modules() {
    let mut rig = Rig::new();
    for (indirect, mixed) in [(true, false), (false, false), (true, true), (false, true)] {
        let blocks = [hop(0x100, 0x200, indirect), hop(0x200, 0x300, indirect), last(0x300)];
        let wasm: Vec<Vec<u8>> =
            blocks.iter().map(|b| if mixed { compile_mixed(b, KEY) } else { compile(b, KEY) }).collect();
        let link = |pc: u64, module: usize| Link { pc, key: KEY, module, member: 0, generation: LINK_GENERATION };
        let all = [link(0x200, 1), link(0x300, 2)];

        // Everything linked: a = 2 + 2, b = 3a, n = 2 hops, 4 instructions
        // retired before the exit's member.
        let out = rig.run_modules(&wasm, &all, 0, &Start::new(state(2), vec![]));
        assert_eq!((out.member, out.exit.kind, out.retired), (2, ExitKind::Status(5), 4));
        assert_eq!((read(&out, 0), read(&out, 8), read(&out, 16)), (4, 12, 2));

        // Where each run stops short of the last module: (links, limit,
        // request) -> (region, retired). A member starts only while
        // `retired` plus its instructions stays below the limit.
        let cases: [(&[Link], u64, bool, u32, u64); 7] = [
            (&all, 4, true, 0, 0),
            (&all, 2, false, 0, 0),
            (&all, 3, false, 1, 2),
            (&all, 4, false, 1, 2),
            (&all[..1], 100, false, 1, 2),
            (&[link(0x200, 1), Link { key: KEY ^ 1, ..link(0x300, 2) }], 100, false, 1, 2),
            (&[link(0x200, 1), Link { generation: LINK_GENERATION - 1, ..link(0x300, 2) }], 100, false, 1, 2),
        ];
        for (links, limit, request, region, retired) in cases {
            let mut start = Start::new(state(2), vec![]);
            start.limit = limit;
            start.exit_request = request;
            let out = rig.run_modules(&wasm, links, 0, &start);
            let what = format!(
                "indirect {indirect}, mixed keys {mixed}, limit {limit}, request {request}, {} links",
                links.len()
            );
            assert_eq!((out.member, out.retired), (region, retired), "{what}");
            assert_eq!(rig.exit_member, 0, "{what}");
            let kind = if indirect {
                ExitKind::LookupTb
            } else {
                ExitKind::GotoTb { slot: 1, pc: 0x200 + 0x100 * u64::from(region) }
            };
            assert_eq!((out.exit.kind, out.exit.insns), (kind, 2), "{what}");
            // The exiting member's own work is done, nothing after it.
            let hops = u64::from(region) + 1;
            assert_eq!((read(&out, 0), read(&out, 8), read(&out, 16)), (2 + hops, 0, hops), "{what}");
            if indirect {
                assert_eq!(read(&out, PC as usize), 0x200 + 0x100 * u64::from(region), "{what}");
            }
        }
    }
}

/// The member a link names is where the target module starts: a link into
/// member 1 of a two-member region skips member 0.
#[test]
fn link_into_a_member() {
    let mut rig = Rig::new();
    let first = hop(0x100, 0x400, true);
    let (skipped, target) = (hop(0x300, 0x999, true), last(0x400));
    let options = Options { shared_memory: true, wasm_base: 0, links: true, pc_offset: Some(PC) };
    let region = [
        Member { ir: &skipped, successors: [None, None], key: KEY },
        Member { ir: &target, successors: [None, None], key: KEY },
    ];
    let wasm = vec![compile(&first, KEY), compile_region(&region, &options).unwrap()];
    let links = [Link { pc: 0x400, key: KEY, module: 1, member: 1, generation: LINK_GENERATION }];
    let out = rig.run_modules(&wasm, &links, 0, &Start::new(state(7), vec![]));
    assert_eq!((out.member, rig.exit_member, out.exit.kind, out.retired), (1, 1, ExitKind::Status(5), 2));
    assert_eq!((read(&out, 0), read(&out, 8), read(&out, 16)), (8, 24, 1));
}
