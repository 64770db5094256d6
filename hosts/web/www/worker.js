// The emulator's dedicated worker: fetches the guest images (with progress,
// kept in the Cache API keyed by their SHA-256 so a reload downloads nothing
// and a new version replaces them), loads the emulator, and runs the machine
// (runner.js). It talks to the page (main.js) by messages:
//   page -> worker: {type: 'start', jitThreshold, ramMib, harts, initrd?, append?},
//                   {type: 'input', bytes}
//   (initrd: the URL of another initramfs, e.g. the bench workload's; not cached)
//   worker -> page: {type: 'progress', name, loaded, total}, {type: 'state', text},
//                   {type: 'output', bytes}, {type: 'stats', stats},
//                   {type: 'exit', text}, {type: 'error', text}
import init, * as wemu from './pkg/wemu_web.js';
import { Runner } from './runner.js';

const CACHE = 'wemu-images';
// The images the riscv64 machine boots, as `cargo xtask images` names them.
const IMAGES = { firmware: 'fw_dynamic.bin', kernel: 'Image', initrd: 'initramfs.cpio.gz' };

let runner = null;

function post(msg, transfer) {
  postMessage(msg, transfer ?? []);
}

async function fetchWithProgress(url, name, expectedSize) {
  const resp = await fetch(url);
  if (!resp.ok) {
    throw new Error(`${url}: HTTP ${resp.status} (run \`cargo xtask images\`, then \`cargo xtask web-demo\` again)`);
  }
  const total = Number(resp.headers.get('content-length')) || expectedSize || 0;
  const reader = resp.body.getReader();
  const chunks = [];
  let loaded = 0;
  let lastPost = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    const now = performance.now();
    if (now - lastPost > 100) {
      lastPost = now;
      post({ type: 'progress', name, loaded, total });
    }
  }
  post({ type: 'progress', name, loaded, total: loaded });
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

async function openCache() {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE);
  } catch {
    return null; // Opaque origins, private modes: no cache, download each time.
  }
}

// The images, from the cache when their SHA-256 matches the manifest's.
async function loadImages() {
  post({ type: 'state', text: 'reading the image manifest' });
  const mresp = await fetch('images/manifest.json', { cache: 'no-cache' });
  if (!mresp.ok) {
    throw new Error('no guest images on the server (images/manifest.json missing): run `cargo xtask images`');
  }
  const manifest = await mresp.json();
  const bySha = new Map(manifest.artifacts.map((a) => [a.output, a]));
  const cache = await openCache();
  const out = {};
  const keep = new Set();
  for (const [role, name] of Object.entries(IMAGES)) {
    const art = bySha.get(name);
    if (!art) throw new Error(`the image manifest has no ${name}: run \`cargo xtask images\``);
    const key = new Request(`images/${name}?sha256=${art.sha256}`);
    keep.add(key.url);
    let cached = cache ? await cache.match(key) : undefined;
    if (cached) {
      out[role] = new Uint8Array(await cached.arrayBuffer());
      post({ type: 'progress', name, loaded: out[role].length, total: out[role].length, cached: true });
    } else {
      out[role] = await fetchWithProgress(`images/${name}`, name, art.size);
      if (cache) {
        try {
          await cache.put(key, new Response(out[role]));
        } catch {
          // Quota: go on without caching.
        }
      }
    }
    if (out[role].length !== art.size) {
      throw new Error(`${name}: got ${out[role].length} bytes, the manifest says ${art.size}`);
    }
  }
  // Drop images of older versions.
  if (cache) {
    for (const req of await cache.keys()) {
      if (!keep.has(req.url)) await cache.delete(req);
    }
  }
  return out;
}

async function start(opts) {
  try {
    if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
    const t0 = performance.now();
    const [images] = await Promise.all([loadImages(), init({ module_or_path: new URL('./pkg/wemu_web_bg.wasm', import.meta.url) })]);
    if (opts.initrd) images.initrd = await fetchWithProgress(opts.initrd, opts.initrd.split('/').pop(), 0);
    post({ type: 'state', text: `images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; booting` });
    runner = new Runner(wemu, images, opts, {
      output: (bytes) => post({ type: 'output', bytes, insns: runner.insns() }, [bytes.buffer]),
      exit: (text) => post({ type: 'exit', text }),
      error: (text) => post({ type: 'error', text }),
    });
    runner.start();
    const statsTimer = setInterval(() => {
      if (runner.stopped) clearInterval(statsTimer);
      post({ type: 'stats', stats: runner.stats() });
    }, 500);
  } catch (e) {
    post({ type: 'error', text: String(e && e.message ? e.message : e) });
  }
}

onmessage = (ev) => {
  const m = ev.data;
  if (m.type === 'start' && !runner) start(m);
  else if (m.type === 'input' && runner) runner.input(m.bytes);
};
