// The `cargo xtask bench` workload in node: the browser build of wemu (the
// same wasm-bindgen output and run loop the page's worker uses) boots the
// bench initramfs, whose /init runs the workload at SCALE and powers off.
// Prints the workload's report (its `wemu-bench:` lines) and the guest
// instructions between its first and last line.
//
//   node tests/web/node_bench.mjs SITE_DIR [SCALE]
//
// `cargo xtask bench` runs it for its node row (the site holds the bench
// initramfs once `cargo xtask bench` has built it).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, scale = '2'] = process.argv.slice(2);
if (!site) {
  console.error('usage: node node_bench.mjs SITE_DIR [SCALE]');
  process.exit(2);
}
const TIMEOUT_MS = 1_200_000;

const wemu = await import(pathToFileURL(path.join(site, 'pkg/wemu_web.js')).href);
const { Runner } = await import(pathToFileURL(path.join(site, 'runner.js')).href);
wemu.initSync({ module: fs.readFileSync(path.join(site, 'pkg/wemu_web_bg.wasm')) });

const file = (...p) => new Uint8Array(fs.readFileSync(path.join(site, ...p)));
const images = {
  firmware: file('images', 'fw_dynamic.bin'),
  kernel: file('images', 'Image'),
  initrd: file('bench', 'initramfs-bench.cpio.gz'),
};

let transcript = '';
const decoder = new TextDecoder();
// Guest instructions when the first and the last report line arrived.
let startInsns = null;
let endInsns = null;
let runner = null;

const done = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no workload report within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  runner = new Runner(
    wemu,
    images,
    { ramMib: 256, jitThreshold: 3000, append: `console=ttyS0 earlycon=sbi wemu_bench=${scale}` },
    {
      output(bytes) {
        transcript += decoder.decode(bytes, { stream: true });
        if (startInsns === null && transcript.includes('wemu-bench: scale')) startInsns = runner.stats().insns;
        if (endInsns === null && transcript.includes('wemu-bench: done')) {
          endInsns = runner.stats().insns;
          clearTimeout(timer);
          resolve();
        }
      },
      exit: (t) => (endInsns === null ? reject(new Error(`the guest stopped: ${t}`)) : resolve()),
      error: (t) => reject(new Error(`emulation error: ${t}`)),
    },
  );
});

let ok = false;
try {
  runner.start();
  await done;
  console.log(transcript.split('\n').filter((l) => l.includes('wemu-bench')).join('\n'));
  console.log(`node bench (jit, scale ${scale}): ${((endInsns - startInsns) / 1e6).toFixed(0)} M guest instructions`);
  ok = true;
} catch (e) {
  console.error(`node bench: FAILED: ${e.message}\n${transcript.slice(-1500)}`);
} finally {
  runner.stop();
}
process.exit(ok ? 0 : 1);
