// Times core::layout on the 2,000-node / 10,000-edge benchmark graph as wasm in headless
// Chromium, built as the web app ships (opt-level "z") and for speed (opt-level 3).
// Run by hand: node tests/bench/wasm-layout.mjs
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch } from '../e2e/support/browser.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CRATE = path.join(ROOT, 'tests/bench/wasm-layout');
const TARGET = path.join(ROOT, 'target/bench-wasm');
const RUNS = 9;

const browser = await launch();
try {
  for (const profile of ['release', 'speed']) {
    execFileSync('cargo', ['build', '-q', '--profile', profile, '--target', 'wasm32-unknown-unknown', '--manifest-path', path.join(CRATE, 'Cargo.toml')], { stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: TARGET } });
    const wasm = fs.readFileSync(path.join(TARGET, 'wasm32-unknown-unknown', profile, 'pullpath_bench_wasm_layout.wasm'));
    const page = await browser.newPage();
    const times = await page.evaluate(async ({ b64, runs }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const { instance } = await WebAssembly.instantiate(bytes, {});
      if (instance.exports.prepare() !== 2000) throw new Error('unexpected graph');
      const out = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        if (instance.exports.run() !== 10000) throw new Error('layout lost edges');
        out.push(performance.now() - t);
      }
      return out;
    }, { b64: wasm.toString('base64'), runs: RUNS });
    await page.close();
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`${profile.padEnd(8)} ${(wasm.length / 1024).toFixed(0)} KiB wasm: first ${times[0].toFixed(0)} ms, median ${sorted[Math.floor(RUNS / 2)].toFixed(0)} ms, max ${sorted[RUNS - 1].toFixed(0)} ms (${RUNS} runs, Chromium ${browser.version()})`);
  }
} finally {
  await browser.close();
}
