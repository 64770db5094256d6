//! Test support (feature `testing`): a toy guest ([`toy`]), its assembler
//! ([`asm`]) and a one-vCPU machine around them ([`Toy`]), for the crate's
//! tests and benchmarks, and for anyone who wants to drive the loop without
//! a real frontend. Panics on misuse (it is test code).

pub mod asm;
pub mod toy;

use alloc::vec::Vec;

use wemu_softmmu::{AddressSpace, Arena};

use crate::{Clock, RunExit, TbCache, TbCacheConfig, TimerQueue, Vcpu};

pub use asm::Asm;
pub use toy::{ToyGuest, ToyHelpers, ToyMachine, ToyWalker};

/// Where RAM is (physical = virtual unless the walker says otherwise).
pub const RAM_BASE: u64 = 0;
pub const RAM_SIZE: u64 = 1 << 20;
/// Where programs start.
pub const CODE: u64 = 0x1000;

/// A one-vCPU toy machine.
#[derive(Debug)]
pub struct Toy {
    pub space: AddressSpace,
    pub cache: TbCache,
    pub timers: TimerQueue,
    pub machine: ToyMachine,
    pub vcpu: Vcpu<ToyGuest>,
}

impl Toy {
    /// `program` at [`CODE`], PC there, default cache, deterministic clock
    /// (1 ns per instruction).
    pub fn new(program: &[u32]) -> Toy {
        Toy::with(TbCacheConfig::default(), Clock::deterministic(0), program)
    }

    pub fn with(config: TbCacheConfig, clock: Clock, program: &[u32]) -> Toy {
        Toy::with_cache(TbCache::new(config), clock, program)
    }

    pub fn with_cache(cache: TbCache, clock: Clock, program: &[u32]) -> Toy {
        let arena = Arena::new(4 << 20).unwrap();
        let mut space = AddressSpace::new(arena);
        space.add_ram(RAM_BASE, RAM_SIZE).unwrap();
        let vcpu = Vcpu::new(0, ToyGuest::default(), ToyWalker::default(), ToyHelpers::default(), &mut space).unwrap();
        let mut toy = Toy { space, cache, timers: TimerQueue::new(clock), machine: ToyMachine::default(), vcpu };
        toy.load(CODE, program);
        toy.set(toy::PC, CODE);
        toy
    }

    /// Writes words into RAM (by DMA: watched code is invalidated).
    pub fn load(&mut self, addr: u64, words: &[u32]) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.space.dma_write(addr, &bytes).unwrap();
    }

    pub fn run(&mut self, budget: u64) -> RunExit {
        self.vcpu.run(&mut self.space, &mut self.cache, &mut self.timers, &mut self.machine, budget)
    }

    /// A state field (`toy::PC`, ...).
    pub fn get(&self, off: usize) -> u64 {
        toy::get(self.vcpu.state(&self.space).unwrap(), off)
    }

    pub fn set(&mut self, off: usize, v: u64) {
        toy::set(self.vcpu.state_mut(&self.space).unwrap(), off, v)
    }

    pub fn reg(&self, r: usize) -> u64 {
        self.get(8 * r)
    }

    pub fn pc(&self) -> u64 {
        self.get(toy::PC)
    }

    /// Bytes written by `out`.
    pub fn out(&self) -> &[u8] {
        &self.vcpu.helpers().out
    }

    pub fn read_u64(&mut self, addr: u64) -> u64 {
        let mut b = [0u8; 8];
        self.space.dma_read(addr, &mut b).unwrap();
        u64::from_le_bytes(b)
    }
}
