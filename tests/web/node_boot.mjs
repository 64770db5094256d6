// End-to-end test (a): node runs the browser build of wemu (the same
// wasm-bindgen output and run loop the page's worker uses) headless, boots
// Debian's riscv64 Linux to the busybox shell with the JIT on, runs a
// command and checks its output and that the JIT compiled modules.
//
//   node tests/web/node_boot.mjs SITE_DIR      (SITE_DIR: what `cargo xtask web-demo` builds)
//
// `cargo xtask test-web` builds the site and runs it.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const site = process.argv[2];
if (!site) {
  console.error('usage: node node_boot.mjs SITE_DIR');
  process.exit(2);
}
const BOOT_TIMEOUT_MS = 600_000;
const COMMAND_TIMEOUT_MS = 60_000;

const wemu = await import(pathToFileURL(path.join(site, 'pkg/wemu_web.js')).href);
const { Runner } = await import(pathToFileURL(path.join(site, 'runner.js')).href);
wemu.initSync({ module: fs.readFileSync(path.join(site, 'pkg/wemu_web_bg.wasm')) });

const img = (n) => new Uint8Array(fs.readFileSync(path.join(site, 'images', n)));
const images = { firmware: img('fw_dynamic.bin'), kernel: img('Image'), initrd: img('initramfs.cpio.gz') };

let transcript = '';
let waiter = null;
const decoder = new TextDecoder();
let failure = null;
const start = performance.now();

function fail(msg) {
  failure = msg;
  if (waiter) waiter.reject(new Error(msg));
}

const runner = new Runner(wemu, images, { ramMib: 256, jitThreshold: 3000 }, {
  output(bytes) {
    const s = decoder.decode(bytes, { stream: true });
    transcript += s;
    process.stdout.write(s);
    if (waiter && transcript.slice(waiter.from).includes(waiter.text)) {
      const w = waiter;
      waiter = null;
      w.resolve();
    }
  },
  exit: (t) => fail(`the guest stopped: ${t}`),
  error: (t) => fail(`emulation error: ${t}`),
});

// Resolves once `text` appears in the output after offset `from`.
function waitFor(text, from, ms) {
  return new Promise((resolve, reject) => {
    if (failure) return reject(new Error(failure));
    if (transcript.slice(from).includes(text)) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${JSON.stringify(text)}`)), ms);
    waiter = {
      text,
      from,
      resolve: () => (clearTimeout(timer), resolve()),
      reject: (e) => (clearTimeout(timer), reject(e)),
    };
  });
}

let ok = false;
try {
  runner.start();
  await waitFor('~ # ', 0, BOOT_TIMEOUT_MS);
  const bootS = (performance.now() - start) / 1000;
  const mark = transcript.length;
  runner.input(new TextEncoder().encode('echo $((6*7))\n'));
  await waitFor('42\r\n', mark, COMMAND_TIMEOUT_MS);
  await waitFor('~ # ', mark, COMMAND_TIMEOUT_MS);
  const s = runner.stats();
  console.log(
    `\nnode e2e: shell after ${bootS.toFixed(1)} s, ${(s.insns / 1e9).toFixed(2)} G instructions` +
      ` (${(s.insns / s.uptimeMs / 1e3).toFixed(0)} MIPS); JIT: ${s.jit.installed} modules compiled,` +
      ` ${s.jit.live} live, ${s.jit.evicted} evicted, ${((100 * s.jit.insns) / s.insns).toFixed(0)}% of instructions,` +
      ` compile ${s.jit.compileMs.toFixed(0)} ms (async), instantiate ${s.jit.instantiateMs.toFixed(0)} ms`,
  );
  console.log(`JIT figures: ${JSON.stringify(s.jit)}`);
  if (!(s.jit.installed > 0)) throw new Error('the JIT compiled no module');
  if (!(s.jit.insns > 0)) throw new Error('no instruction ran in JIT code');
  ok = true;
} catch (e) {
  console.error(`\nnode e2e: FAILED: ${e.message}`);
} finally {
  runner.stop();
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
