// The page: an xterm.js terminal wired to the emulator's worker (worker.js)
// both ways, a status bar, reset and image/JIT pickers. The machine never
// runs on this thread.
//
// URL parameters: ?accel=tci|jit, ?threshold=N (JIT hot threshold), ?smp=N
// (harts, 1 to 8, taking turns on the one emulator worker),
// ?ram=MiB, ?initrd=URL (another initramfs), ?append=CMDLINE. Tests read `window.wemu` (state, figures, the transcript).
import { Terminal } from './vendor/xterm/xterm.mjs';
import { FitAddon } from './vendor/xterm/addon-fit.mjs';

const params = new URLSearchParams(location.search);
const statusEl = document.getElementById('status');
const noticeEl = document.getElementById('notice');
const accelEl = document.getElementById('accel');
accelEl.value = params.get('accel') === 'tci' ? 'tci' : 'jit';

// What tests and curious users can read.
const wemu = (window.wemu = {
  state: 'loading',
  transcript: '',
  // Per output message: [transcript length after it, ms since page start, guest instructions].
  marks: [],
  stats: null,
  mips: 0,
  pageStart: performance.now(),
  promptMs: null,
  error: null,
  screenText() {
    const b = term.buffer.active;
    const lines = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  },
});

const term = new Terminal({ convertEol: false, scrollback: 5000, fontSize: 14, cursorBlink: true });
const fit = new FitAddon();
term.loadAddon(fit);
term.open(document.getElementById('terminal'));
fit.fit();
new ResizeObserver(() => fit.fit()).observe(document.getElementById('terminal'));
term.focus();

function notice(text) {
  noticeEl.textContent = text;
}

// Say what the browser lacks, and what still works.
if (!window.Worker || typeof WebAssembly !== 'object') {
  notice('This browser lacks Web Workers or WebAssembly, which wemu needs.');
  throw new Error('no Worker/WebAssembly');
}
if (!window.crossOriginIsolated) {
  notice('Not cross-origin isolated (no COOP/COEP headers): no SharedArrayBuffer, so no multi-vCPU; the single-threaded build runs fine.');
}

let worker = null;
let progress = {};
let lastInsns = 0;
let lastTime = 0;
const decoder = new TextDecoder();

function mib(n) {
  return (n / 1048576).toFixed(1);
}

function showStatus() {
  const parts = [];
  if (wemu.state === 'downloading') {
    for (const [name, p] of Object.entries(progress)) {
      parts.push(`${name} ${p.cached ? 'cached' : `${mib(p.loaded)}/${p.total ? mib(p.total) : '?'} MiB`}`);
    }
    statusEl.textContent = `downloading: ${parts.join(', ')}`;
    return;
  }
  const s = wemu.stats;
  let line = wemu.state;
  if (s) {
    line += ` | ${wemu.mips.toFixed(1)} MIPS | ${(s.insns / 1e9).toFixed(2)} G insns | uptime ${(s.uptimeMs / 1000).toFixed(0)} s`;
    if (s.jit) {
      const j = s.jit;
      const share = s.insns ? (100 * j.insns) / s.insns : 0;
      const compileShare = s.uptimeMs ? (100 * j.instantiateMs) / s.uptimeMs : 0;
      line += ` | JIT: live ${j.live} compiled ${j.installed} evicted ${j.evicted} invalidated ${j.invalidated}` +
        ` | ${share.toFixed(0)}% insns in JIT | compile ${j.compileMs.toFixed(0)} ms async, ${compileShare.toFixed(1)}% of time instantiating`;
    } else {
      line += ' | interpreter only';
    }
  }
  if (wemu.promptMs !== null) line += ` | shell after ${(wemu.promptMs / 1000).toFixed(1)} s`;
  statusEl.textContent = line;
}

function start() {
  if (worker) worker.terminate();
  term.reset();
  wemu.state = 'loading';
  wemu.transcript = '';
  wemu.marks = [];
  wemu.stats = null;
  wemu.promptMs = null;
  wemu.error = null;
  wemu.pageStart = performance.now();
  progress = {};
  lastInsns = 0;
  lastTime = 0;
  statusEl.classList.remove('error');
  showStatus();
  try {
    worker = new Worker('worker.js', { type: 'module' });
  } catch (e) {
    notice(`Cannot start the emulator's worker (module workers unsupported?): ${e}`);
    return;
  }
  worker.onerror = (e) => fail(`the worker failed: ${e.message ?? e}`);
  worker.onmessage = (ev) => {
    const m = ev.data;
    switch (m.type) {
      case 'progress':
        wemu.state = 'downloading';
        progress[m.name] = m;
        break;
      case 'state':
        wemu.state = m.text;
        break;
      case 'output': {
        term.write(m.bytes);
        wemu.transcript += decoder.decode(m.bytes, { stream: true });
        wemu.marks.push([wemu.transcript.length, performance.now() - wemu.pageStart, m.insns]);
        if (wemu.promptMs === null && wemu.transcript.includes('~ # ')) {
          wemu.promptMs = performance.now() - wemu.pageStart;
          wemu.state = 'running: shell ready';
        } else if (wemu.promptMs === null && wemu.state.endsWith('booting')) {
          wemu.state = 'booting';
        }
        break;
      }
      case 'stats': {
        const s = m.stats;
        if (!s) break;
        if (lastTime && s.uptimeMs > lastTime) wemu.mips = (s.insns - lastInsns) / (s.uptimeMs - lastTime) / 1e3;
        lastInsns = s.insns;
        lastTime = s.uptimeMs;
        wemu.stats = s;
        break;
      }
      case 'exit':
        wemu.state = `stopped: ${m.text}`;
        break;
      case 'error':
        fail(m.text);
        return;
    }
    showStatus();
  };
  const ram = Number(params.get('ram')) || 256;
  const harts = Number(params.get('smp')) || 1;
  // 3000: page load to prompt in headless Chromium 156 took 8.5-8.9 s
  // against 9.1 s at 1000 and 10.4 s at 300 (compiles outran the gain).
  const threshold = Number(params.get('threshold')) || 3000;
  worker.postMessage({
    type: 'start',
    ramMib: ram,
    harts,
    jitThreshold: accelEl.value === 'jit' ? threshold : 0,
    initrd: params.get('initrd') ?? undefined,
    append: params.get('append') ?? undefined,
  });
}

function fail(text) {
  wemu.error = text;
  wemu.state = `error: ${text}`;
  statusEl.classList.add('error');
  statusEl.textContent = wemu.state;
}

const encoder = new TextEncoder();
term.onData((data) => {
  if (worker) worker.postMessage({ type: 'input', bytes: encoder.encode(data) });
});

document.getElementById('reset').onclick = () => {
  start();
  term.focus();
};
accelEl.onchange = () => {
  start();
  term.focus();
};
start();
