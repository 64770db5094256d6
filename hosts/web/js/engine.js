// The JavaScript half of the browser's JIT engine (hosts/web/src/engine.rs):
// compiles generated modules asynchronously, instantiates them with our own
// memory and import functions, and installs each module's `run` export in
// our function table, whose index is the module's id on the Rust side.
// Modules import that same table as `wemu.regions`, so one module can
// tail-call the next (the ABI's links) when the browser has tail calls.
//
// Module-level state: one emulator instance per worker (or node process),
// and at most one machine at a time attaches to it.

let imports = null;
let table = null;
// Table slots freed by `jit_release`, reused before the table grows.
const freeSlots = [];
// Finished compiles not yet polled: {ticket, slot, error}.
const done = [];
let polled = null;
let nextTicket = 0;
// Compiles submitted and not finished.
let pending = 0;
const stats = { compiled: 0, failed: 0, released: 0, live: 0, compileMs: 0, instantiateMs: 0 };

export function jit_attach(exports, memory, fnTable) {
  table = fnTable;
  imports = {
    wemu: {
      memory,
      load: exports.wemu_jit_load,
      store: exports.wemu_jit_store,
      rmw: exports.wemu_jit_rmw,
      cmpxchg: exports.wemu_jit_cmpxchg,
      helper: exports.wemu_jit_helper,
      regions: fnTable,
    },
  };
  for (const [k, v] of Object.entries(imports.wemu)) {
    if (!v) throw new Error(`wemu JIT: the emulator module does not export ${k}`);
  }
}

// A module whose second function is `return_call 0`: valid only where the
// browser has Wasm tail calls (Chrome 112, Firefox 121, Safari 18.2, node 20).
const TAIL_CALL_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00,
  0x00, 0x0a, 0x0b, 0x02, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x12, 0x00, 0x0b,
]);

// Whether generated modules may link to each other (tail calls). Not in
// node: node 20's V8 (11.3) runs the cross-module `return_call_indirect`
// slowly enough that the bench workload took 2.76 s with links against
// 1.21 s without (Chromium 156: 0.77 s with, 1.02 s without).
export function jit_links() {
  const node = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;
  return !node && WebAssembly.validate(TAIL_CALL_PROBE);
}

function install(module) {
  const t = performance.now();
  const instance = new WebAssembly.Instance(module, imports);
  const slot = freeSlots.length > 0 ? freeSlots.pop() : table.grow(1);
  table.set(slot, instance.exports.run);
  stats.instantiateMs += performance.now() - t;
  stats.compiled += 1;
  stats.live += 1;
  return slot;
}

export function jit_submit(bytes) {
  const ticket = nextTicket++;
  const t = performance.now();
  pending += 1;
  // Off the vCPU's critical path: the browser compiles on its own threads
  // while the interpreter goes on; `jit_poll` reports it between slices.
  WebAssembly.compile(bytes).then(
    (module) => {
      pending -= 1;
      stats.compileMs += performance.now() - t;
      let slot;
      try {
        slot = install(module);
      } catch (e) {
        stats.failed += 1;
        done.push({ ticket, slot: -1, error: `instantiation: ${e}` });
        return;
      }
      done.push({ ticket, slot, error: '' });
    },
    (e) => {
      pending -= 1;
      stats.failed += 1;
      done.push({ ticket, slot: -1, error: String(e) });
    },
  );
  return ticket;
}

export function jit_poll() {
  polled = done.shift() ?? null;
  return polled ? polled.ticket : -1;
}

export function jit_poll_slot() {
  return polled ? polled.slot : -1;
}

export function jit_poll_error() {
  return polled ? polled.error : 'nothing polled';
}

export function jit_release(slot) {
  table.set(slot, null);
  freeSlots.push(slot);
  stats.released += 1;
  stats.live -= 1;
}

// Compiles in flight. Their promises settle only when the thread returns
// to its event loop through a timer (node never settles them while the
// loop yields through a MessageChannel alone), so the run loop asks.
export function jit_pending() {
  return pending;
}

export function jit_stats() {
  return new Float64Array([stats.compiled, stats.failed, stats.released, stats.live, stats.compileMs, stats.instantiateMs]);
}
