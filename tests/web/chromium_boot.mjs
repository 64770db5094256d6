// End-to-end test (b): headless Chromium (Debian's, driven by playwright-core)
// opens the served page, waits for the busybox prompt in the terminal, types
// `uname -m; echo $((6*7))`, reads `riscv64` and `42` back from the terminal,
// checks the JIT's figures and saves a screenshot. Prints the time from page
// load to the prompt. With HARTS (default 1) the page runs that many harts
// (`?smp=`) and `nproc` must print it.
//
//   WEMU_WEB_DIR=hosts/web node tests/web/chromium_boot.mjs URL jit|tci SCREENSHOT.png [HARTS]
//
// `cargo xtask test-web` serves the site and runs it.
import fs from 'node:fs';
import path from 'node:path';
import { launch } from './chromium.mjs';

const [url, accel = 'jit', shot = 'screenshot.png', hartsArg = '1'] = process.argv.slice(2);
const harts = Number(hartsArg);
if (!url || !(harts >= 1)) {
  console.error('usage: node chromium_boot.mjs URL jit|tci SCREENSHOT.png [HARTS]');
  process.exit(2);
}
const BOOT_TIMEOUT_MS = 900_000;
const COMMAND_TIMEOUT_MS = 60_000;

let ok = false;
const { page, close } = await launch();
try {
  const t0 = Date.now();
  await page.goto(`${url}${url.includes('?') ? '&' : '?'}accel=${accel}${harts > 1 ? `&smp=${harts}` : ''}`);
  // The prompt (or an error the page reports).
  await page.waitForFunction(() => window.wemu && (window.wemu.promptMs !== null || window.wemu.error), null, {
    timeout: BOOT_TIMEOUT_MS,
    polling: 250,
  });
  const boot = await page.evaluate(() => ({ promptMs: window.wemu.promptMs, error: window.wemu.error }));
  if (boot.error) throw new Error(`the page reports: ${boot.error}`);
  const loadToPromptS = (Date.now() - t0) / 1000;
  await page.click('#terminal');
  await page.keyboard.type('uname -m; echo $((6*7)); nproc\n');
  await page.waitForFunction(
    (n) => {
      const t = window.wemu.screenText();
      const i = t.lastIndexOf('uname -m; echo');
      return i >= 0 && new RegExp(`riscv64\\s+42\\s+${n}\\s`).test(t.slice(i));
    },
    harts,
    { timeout: COMMAND_TIMEOUT_MS, polling: 250 },
  );
  // Let the status bar refresh once more.
  await page.waitForTimeout(1200);
  const s = await page.evaluate(() => ({ stats: window.wemu.stats, mips: window.wemu.mips, status: document.getElementById('status').textContent, isolated: window.crossOriginIsolated }));
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  console.log(`status bar: ${s.status}`);
  console.log(
    `chromium e2e (${accel}, ${harts} hart${harts > 1 ? 's' : ''}): page load to shell prompt ${loadToPromptS.toFixed(1)} s (page's own clock ${(boot.promptMs / 1000).toFixed(1)} s),` +
      ` ${(s.stats.insns / 1e9).toFixed(2)} G instructions, cross-origin isolated: ${s.isolated}; screenshot ${shot}`,
  );
  if (accel === 'jit') {
    if (!s.stats.jit) throw new Error('the page runs without the JIT');
    const m = /JIT: live (\d+) compiled (\d+)/.exec(s.status);
    if (!m || !(Number(m[2]) > 0)) throw new Error(`the status bar shows no compiled JIT module: ${s.status}`);
  }
  ok = true;
} catch (e) {
  console.error(`chromium e2e (${accel}): FAILED: ${e.message}`);
  try {
    await page.screenshot({ path: shot });
    console.error(`screenshot: ${shot}`);
    console.error(await page.evaluate(() => window.wemu?.transcript?.slice(-2000)));
  } catch {}
} finally {
  await close();
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
