// The emulator's run loop, shared by the page's worker (worker.js) and the
// node test (tests/web/node_boot.mjs): the JavaScript twin of the native
// host's loop (hosts/native/src/virt_cmd.rs). It runs slices of guest
// instructions for a frame's worth of time, hands the console output over,
// then returns to the event loop, which is where input arrives and where the
// JIT's asynchronous compiles finish.

// WebMachine.run's results (hosts/web/src/lib.rs).
const RUNNING = 0;
const HALTED = 1;
const POWER_OFF = 2;
const RESET = 3;

// Guest instructions per WebMachine.run call (about a millisecond in the
// interpreter), and how long the loop runs before yielding.
const SLICE = 1 << 17;
const FRAME_MS = 25;
// Longest wait while the hart waits without a timer (input wakes it).
const MAX_WAIT_MS = 100;
// Yields through a timer at least every this many frames (see `tick`).
const TIMER_EVERY = 8;
// Node runs V8's own tasks (asynchronous compiles settling, tier-up to the
// optimizing compiler) only on timer turns of its event loop: measured, a
// boot to the shell takes 53 s with MessageChannel yields and 26 s with
// timer yields, whose 1 ms floor is cheap there.
const IS_NODE = typeof process === 'object' && Boolean(process.versions?.node);

// The kernel command line for the busybox initramfs.
export const DEFAULT_APPEND = 'console=ttyS0 earlycon=sbi';

export class Runner {
  // wemu: the wasm-bindgen module (initialised); images: {firmware, kernel,
  // initrd} as Uint8Arrays; opts: {ramMib, harts, jitThreshold (0: off), append};
  // on: {output(bytes), exit(message), error(message)}.
  constructor(wemu, images, opts, on) {
    this.wemu = wemu;
    this.images = images;
    this.opts = opts;
    this.on = on;
    this.machine = null;
    this.timer = null;
    this.stopped = false;
    // A zero-delay yield to the event loop (setTimeout(0) is clamped).
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = () => this.tick();
    this.started = 0;
    this.frames = 0;
  }

  build() {
    if (this.machine) this.machine.free();
    const seed = new Uint8Array(32);
    crypto.getRandomValues(seed);
    const o = this.opts;
    this.machine = new this.wemu.WebMachine(
      this.images.firmware,
      this.images.kernel,
      this.images.initrd,
      o.append ?? DEFAULT_APPEND,
      o.ramMib ?? 256,
      o.harts ?? 1,
      o.jitThreshold ?? 0,
      Date.now(),
      seed,
    );
    this.started = performance.now();
  }

  start() {
    this.build();
    this.schedule(0);
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.channel.port1.close();
  }

  schedule(ms) {
    if (this.stopped) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (ms <= 0) {
      this.channel.port2.postMessage(null);
    } else {
      this.scheduleTimer(ms);
    }
  }

  scheduleTimer(ms) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, ms);
  }

  input(bytes) {
    if (!this.machine) return;
    this.machine.push_input(bytes);
    // Wake a waiting hart now.
    if (this.timer !== null) this.schedule(0);
  }

  // Guest instructions so far.
  insns() {
    return this.machine ? this.machine.insns() : 0;
  }

  // {insns, translations, jit: {...} | null, uptimeMs}
  stats() {
    if (!this.machine) return null;
    const s = this.machine.stats();
    const r = { insns: s[0], translations: s[1], jit: null, uptimeMs: performance.now() - this.started };
    if (s.length > 2) {
      r.jit = {
        live: s[2], installed: s[3], evicted: s[4], invalidated: s[5], declined: s[6], submitted: s[7],
        failed: s[8], insns: s[9], engineCompiled: s[10], engineFailed: s[11], engineReleased: s[12],
        engineLive: s[13], compileMs: s[14], instantiateMs: s[15],
      };
    }
    return r;
  }

  tick() {
    if (this.stopped || !this.machine) return;
    const t0 = performance.now();
    let status;
    try {
      do {
        status = this.machine.run(SLICE);
      } while (status === RUNNING && performance.now() - t0 < FRAME_MS);
    } catch (e) {
      this.flush();
      this.stopped = true;
      this.on.error(String(e && e.message ? e.message : e));
      return;
    }
    this.flush();
    switch (status) {
      case RUNNING:
        // A MessageChannel yield is immediate (browsers clamp nested
        // timers to 4 ms) but may starve the engine's own tasks, which
        // asynchronous compiles need to settle: yield through a timer
        // while compiles are in flight, and now and then anyway.
        this.frames += 1;
        if (IS_NODE || this.frames % TIMER_EVERY === 0 || this.machine.compiles_pending() > 0) this.scheduleTimer(0);
        else this.schedule(0);
        break;
      case HALTED: {
        const w = this.machine.wait_ms();
        this.schedule(w < 0 ? MAX_WAIT_MS : Math.min(w, MAX_WAIT_MS));
        break;
      }
      case POWER_OFF: {
        const code = this.machine.poweroff_code();
        this.stopped = true;
        this.on.exit(code === 0 ? 'the guest powered off' : `the guest powered off with failure code ${code}`);
        break;
      }
      case RESET:
        this.build();
        this.schedule(0);
        break;
    }
  }

  flush() {
    const out = this.machine.take_output();
    if (out.length > 0) this.on.output(out);
  }
}
