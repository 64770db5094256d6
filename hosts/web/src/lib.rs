//! The browser host of wemu: QEMU's riscv64 `virt` board run by a Web
//! Worker (or node), its serial console handed to JavaScript, hot guest
//! code compiled to WebAssembly by the browser ([`engine`]).
//!
//! JavaScript drives it ([`WebMachine`]) the way the native host's loop
//! does (`hosts/native/src/virt_cmd.rs`): run a slice, hand over the
//! console output, feed input, and when the hart waits, wait (on the
//! worker's event loop, which is also where asynchronous JIT compiles
//! finish). `www/runner.js` is that loop, shared by the page's worker and
//! the node test.
//!
//! This is the single-threaded build: the memory is not shared and the
//! one vCPU runs on the worker's thread.

use std::sync::{Arc, Mutex};

use wasm_bindgen::prelude::*;
use wemu_dev_common::CharBackend;
use wemu_exec::wemu_wasm_jit::Options;
use wemu_exec::{Clock, HostClock, Jit, JitConfig, JitSetup};
use wemu_machine_riscv64_virt::{Images, Virt, VirtConfig, VirtExit};

pub mod engine;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds, monotonic (workers and node have
    /// it).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The host's monotonic clock.
struct PerformanceClock;

impl HostClock for PerformanceClock {
    fn now_ns(&self) -> u64 {
        (performance_now() * 1e6) as u64
    }
}

/// The guest's serial output, collected until JavaScript takes it.
#[derive(Clone, Debug, Default)]
struct Output(Arc<Mutex<Vec<u8>>>);

impl CharBackend for Output {
    fn write(&mut self, bytes: &[u8]) {
        if let Ok(mut o) = self.0.lock() {
            o.extend_from_slice(bytes);
        }
    }
}

/// [`WebMachine::run`]'s results.
pub const RUNNING: u32 = 0;
/// The hart waits: wait [`WebMachine::wait_ms`] (or for input), then run
/// again.
pub const HALTED: u32 = 1;
/// The guest powered off ([`WebMachine::poweroff_code`]).
pub const POWER_OFF: u32 = 2;
/// The guest asked for a reset: build the machine anew.
pub const RESET: u32 = 3;

/// A riscv64 `virt` board with its console, for JavaScript.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WebMachine {
    virt: Virt,
    output: Output,
    wait_ms: f64,
    poweroff_code: u32,
    jit: bool,
}

#[wasm_bindgen]
impl WebMachine {
    /// A board booting `kernel` with OpenSBI `firmware` and `initrd`, with
    /// `ram_mib` MiB of RAM and `harts` harts (1 to 8, run in turn on this
    /// worker). `jit_threshold` 0 runs the interpreter alone; otherwise
    /// blocks run that many times are compiled to Wasm.
    /// `unix_time_ms` sets the RTC; `seed` is the device tree's rng-seed.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        firmware: &[u8],
        kernel: &[u8],
        initrd: &[u8],
        bootargs: String,
        ram_mib: u32,
        harts: u32,
        jit_threshold: u32,
        unix_time_ms: f64,
        seed: &[u8],
    ) -> Result<WebMachine, JsError> {
        std::panic::set_hook(Box::new(|info| {
            log(&format!("wemu panicked: {info}"));
        }));
        // The board's other settings keep their defaults. This is the
        // single-threaded build: several harts take turns on this worker.
        #[allow(clippy::needless_update)]
        let config = VirtConfig {
            ram_size: u64::from(ram_mib) << 20,
            bootargs,
            unix_time_ns: (unix_time_ms.max(0.0) * 1e6) as u64,
            rng_seed: seed.to_vec(),
            ..VirtConfig::default()
        };
        let non_empty = |b: &[u8]| -> Option<Vec<u8>> { (!b.is_empty()).then(|| b.to_vec()) };
        let (firmware, kernel, initrd) = (non_empty(firmware), non_empty(kernel), non_empty(initrd));
        let images = Images { firmware: firmware.as_deref(), kernel: kernel.as_deref(), initrd: initrd.as_deref() };
        let jit = match jit_threshold {
            0 => None,
            hot_threshold => {
                let arena = engine::arena(Virt::arena_len(&config)).map_err(|e| JsError::new(&e))?;
                let options =
                    Options { shared_memory: false, wasm_base: arena.wasm_base(), links: true, pc_offset: None };
                let jit = Jit::new(Box::new(engine::JsEngine::new()), JitConfig { options, ..JitConfig::default() });
                Some(JitSetup { jit, arena, hot_threshold })
            }
        };
        let output = Output::default();
        let clock = Clock::real_time(Box::new(PerformanceClock));
        let virt = Virt::with_harts(&config, harts, images, Box::new(output.clone()), Vec::new(), clock, jit)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(WebMachine { virt, output, wait_ms: -1.0, poweroff_code: 0, jit: jit_threshold != 0 })
    }

    /// Runs about `budget` guest instructions; returns [`RUNNING`],
    /// [`HALTED`], [`POWER_OFF`] or [`RESET`]; throws on an emulation
    /// error.
    pub fn run(&mut self, budget: u32) -> Result<u32, JsError> {
        match self.virt.run(u64::from(budget)) {
            VirtExit::Running => Ok(RUNNING),
            VirtExit::Halted { wait_ns } => {
                self.wait_ms = wait_ns.map_or(-1.0, |ns| ns as f64 / 1e6);
                Ok(HALTED)
            }
            VirtExit::PowerOff { code } => {
                self.poweroff_code = u32::from(code);
                Ok(POWER_OFF)
            }
            VirtExit::Reset => Ok(RESET),
            VirtExit::Error(e) => {
                Err(JsError::new(&format!("emulation failed: {e} (pc {:#x})", self.virt.state().pc())))
            }
        }
    }

    /// After [`HALTED`]: the longest wait before the next run, in ms (-1:
    /// until input).
    pub fn wait_ms(&self) -> f64 {
        self.wait_ms
    }

    /// After [`POWER_OFF`]: 0 for a normal power-off, else the failure
    /// code.
    pub fn poweroff_code(&self) -> u32 {
        self.poweroff_code
    }

    /// The console output since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.output.0.lock().map(|mut o| std::mem::take(&mut *o)).unwrap_or_default()
    }

    /// Queues console input (keystrokes).
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.virt.push_input(bytes);
    }

    /// JIT compiles in flight: the loop should yield through a timer
    /// (`setTimeout`) so that they can finish.
    pub fn compiles_pending(&self) -> u32 {
        if self.jit { engine::compiles_pending() } else { 0 }
    }

    /// Guest instructions retired so far.
    pub fn insns(&self) -> f64 {
        self.virt.stats().insns as f64
    }

    /// Whether the JIT is on.
    pub fn jit(&self) -> bool {
        self.jit
    }

    /// Figures for the status bar, in this order: guest instructions,
    /// blocks translated; then, with the JIT on, regions live, installed
    /// (compiled), evicted, invalidated, declined, submitted, failed,
    /// guest instructions run in generated code; then the engine's
    /// compiled, failed, released, live, ms compiling (asynchronous wall
    /// time), ms instantiating.
    pub fn stats(&self) -> Vec<f64> {
        let s = self.virt.stats();
        let mut v = vec![s.insns as f64, s.translations as f64];
        if let Some(j) = self.virt.jit_stats() {
            v.extend(
                [j.live, j.installed, j.evicted, j.invalidated, j.declined, j.submitted, j.failed, j.insns]
                    .map(|x| x as f64),
            );
            v.extend(engine::engine_stats());
        }
        v
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn log(s: &str);
}
