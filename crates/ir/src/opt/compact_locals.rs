//! Renumbering of locals: the locals no instruction mentions are dropped
//! and the others keep their relative order.

use alloc::vec;
use alloc::vec::Vec;

use crate::{Block, LocalId, Temp, Value};

/// Drops unused locals; returns whether any was.
pub fn compact_locals(block: &mut Block) -> bool {
    let n = block.locals.len();
    let mut used = vec![false; n];
    let mut mark = |t: Temp| {
        if let Temp::Local(l) = t
            && let Some(u) = used.get_mut(l.0 as usize)
        {
            *u = true;
        }
    };
    for inst in &block.insts {
        inst.for_each_use(|v| {
            if let Value::Temp(t) = v {
                mark(t)
            }
        });
        if let Some(d) = inst.def() {
            mark(d);
        }
    }
    if used.iter().all(|&u| u) {
        return false;
    }
    // new_id[old]: the new number of a used local.
    let mut new_id = vec![u32::MAX; n];
    let mut locals = Vec::new();
    for (i, &ty) in block.locals.iter().enumerate() {
        if used[i] {
            new_id[i] = locals.len() as u32;
            locals.push(ty);
        }
    }
    let remap = |t: &mut Temp| {
        if let Temp::Local(l) = t {
            // Undeclared locals (unverified blocks) keep their number.
            if let Some(&id) = new_id.get(l.0 as usize) {
                *l = LocalId(id);
            }
        }
    };
    for inst in &mut block.insts {
        inst.for_each_use_mut(|v| {
            if let Value::Temp(t) = v {
                remap(t)
            }
        });
        if let Some(d) = inst.def_mut() {
            remap(d);
        }
    }
    block.locals = locals;
    true
}
