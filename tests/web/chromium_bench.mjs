// Guest MIPS of the `cargo xtask bench` workload in headless Chromium: the
// page boots the bench initramfs (which runs the workload at the given scale
// and powers off); the figure is the guest instructions between the
// workload's `wemu-bench: scale` and `wemu-bench: done` lines over the time
// between them, as the page saw them.
//
//   node tests/web/chromium_bench.mjs URL jit|tci SCALE
//
// `cargo xtask test-web --measure` runs it when `cargo xtask bench` has built
// the bench initramfs (the site serves it as bench/initramfs-bench.cpio.gz).
import { launch } from './chromium.mjs';

const [url, accel = 'jit', scale = '2'] = process.argv.slice(2);
const TIMEOUT_MS = 1_200_000;
const append = `console=ttyS0 earlycon=sbi wemu_bench=${scale}`;
const q = new URLSearchParams({ accel, initrd: 'bench/initramfs-bench.cpio.gz', append });

let ok = false;
const { page, close } = await launch();
try {
  await page.goto(`${url}?${q}`);
  await page.waitForFunction(
    () => window.wemu && (window.wemu.transcript.includes('wemu-bench: done') || window.wemu.error || window.wemu.state.startsWith('stopped')),
    null,
    { timeout: TIMEOUT_MS, polling: 500 },
  );
  const r = await page.evaluate(() => {
    const w = window.wemu;
    const at = (needle) => {
      const i = w.transcript.indexOf(needle);
      return i < 0 ? null : w.marks.find((m) => m[0] > i);
    };
    return { start: at('wemu-bench: scale'), end: at('wemu-bench: done'), error: w.error, tail: w.transcript.slice(-1500) };
  });
  if (r.error || !r.start || !r.end) throw new Error(`no workload run: ${r.error ?? ''}\n${r.tail}`);
  const ms = r.end[1] - r.start[1];
  const insns = r.end[2] - r.start[2];
  console.log(r.tail.split('\n').filter((l) => l.includes('wemu-bench')).join('\n'));
  console.log(
    `chromium bench (${accel}, scale ${scale}): ${(insns / 1e6).toFixed(0)} M guest instructions in ${(ms / 1000).toFixed(2)} s = ${(insns / ms / 1e3).toFixed(0)} MIPS`,
  );
  ok = true;
} catch (e) {
  console.error(`chromium bench (${accel}): FAILED: ${e.message}`);
} finally {
  await close();
}
process.exit(ok ? 0 : 1);
