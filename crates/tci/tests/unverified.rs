//! Unverified IR never panics the interpreter: random valid blocks are
//! corrupted (wrong types, undeclared temps and labels, wild offsets,
//! alignments and bit fields, truncation), then compiled and, when that
//! succeeds, run on states of random size.

use arbitrary::Unstructured;
use wemu_ir::arbitrary::{FuzzHelpers, MEM_BASE, MEM_SIZE, gen_case};
use wemu_ir::{Block, Inst, Label, LocalId, Temp, Type, Value};
use wemu_tci::{FlatMemory, Interp, TciBlock};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn ty(&mut self) -> Type {
        if self.next() & 1 == 0 { Type::I32 } else { Type::I64 }
    }

    fn temp(&mut self, block: &Block) -> Temp {
        if self.next() & 1 == 0 {
            Temp::Local(LocalId(self.below(block.locals.len() as u64 + 3) as u32))
        } else {
            Temp::Global(wemu_ir::GlobalId(self.below(12) as u32))
        }
    }

    fn value(&mut self, block: &Block) -> Value {
        match self.below(3) {
            0 => Value::Const(self.next()),
            _ => Value::Temp(self.temp(block)),
        }
    }
}

fn mutate(rng: &mut Rng, block: &mut Block) {
    let n = block.insts.len() as u64;
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(n) as usize;
        let snapshot = block.clone();
        let inst = &mut block.insts[i];
        match rng.below(8) {
            0 => inst.for_each_use_mut(|v| *v = rng.value(&snapshot)),
            1 => match inst {
                Inst::Mov { ty, .. }
                | Inst::Unary { ty, .. }
                | Inst::Binary { ty, .. }
                | Inst::SetCond { ty, .. }
                | Inst::MovCond { ty, .. }
                | Inst::Load { ty, .. }
                | Inst::Store { ty, .. }
                | Inst::AtomicRmw { ty, .. }
                | Inst::AtomicCmpXchg { ty, .. }
                | Inst::LoadState { ty, .. }
                | Inst::Extract { ty, .. }
                | Inst::Deposit { ty, .. } => *ty = rng.ty(),
                _ => {}
            },
            2 => match inst {
                Inst::Mov { dst, .. } | Inst::Unary { dst, .. } | Inst::Binary { dst, .. } | Inst::Load { dst, .. } => {
                    *dst = rng.temp(&snapshot)
                }
                _ => {}
            },
            3 => match inst {
                Inst::Load { mem, .. } | Inst::Store { mem, .. } | Inst::AtomicRmw { mem, .. } => {
                    mem.align_log2 = rng.next() as u8;
                    mem.endian = if rng.next() & 1 == 0 { wemu_ir::Endian::Big } else { wemu_ir::Endian::Little };
                }
                Inst::LoadState { offset, .. } | Inst::StoreState { offset, .. } => *offset = rng.next() as u32 % 256,
                Inst::Extract { pos, len, .. } | Inst::Deposit { pos, len, .. } => {
                    *pos = rng.next() as u8;
                    *len = rng.next() as u8;
                }
                _ => {}
            },
            4 => {
                if let Inst::BrCond { target, .. } | Inst::Br { target } = inst {
                    *target = Label(rng.below(u64::from(snapshot.num_labels) + 2) as u32);
                }
            }
            5 => {
                if let Inst::Call { args, dst, .. } = inst {
                    args.truncate(rng.below(3) as usize);
                    *dst = Some(rng.temp(&snapshot));
                }
            }
            6 => {
                block.insts.truncate(i);
                return;
            }
            _ => {
                if let Inst::Label(l) = inst {
                    *l = Label(rng.below(u64::from(snapshot.num_labels) + 2) as u32);
                }
            }
        }
    }
}

/// Whether some branch may go backwards (a corrupted loop might not end).
fn has_backward_branch(block: &Block) -> bool {
    block
        .insts
        .iter()
        .enumerate()
        .any(|(i, inst)| inst.branch_target().is_some_and(|t| block.insts[..=i].contains(&Inst::Label(t))))
}

#[test]
fn corrupted_blocks_never_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut interp = Interp::new();
    let (mut compiled, mut rejected) = (0, 0);
    for seed in 0..3000u64 {
        let data: Vec<u8> = (0..64 + seed % 2048).map(|_| rng.next() as u8).collect();
        let Ok(mut case) = gen_case(&mut Unstructured::new(&data)) else { continue };
        mutate(&mut rng, &mut case.block);
        if has_backward_branch(&case.block) {
            continue;
        }
        let Ok(tb) = TciBlock::compile(&case.block) else {
            rejected += 1;
            continue;
        };
        compiled += 1;
        let mut state = case.state.clone();
        state.truncate(rng.below(state.len() as u64 + 1) as usize);
        let mut mem = FlatMemory { base: MEM_BASE, bytes: case.memory.clone() };
        assert_eq!(mem.bytes.len(), MEM_SIZE);
        interp.run(&tb, &mut state, &mut mem, &mut FuzzHelpers::default());
    }
    assert!(compiled > 500 && rejected > 100, "compiled {compiled}, rejected {rejected}");
}
