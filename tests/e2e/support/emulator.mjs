// Starts the loopback ARM emulator (tests/emulator, built by ./dev test) on a free port.
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

export async function startEmulator(args = []) {
  const target = process.env.CARGO_TARGET_DIR ?? 'target';
  const bin = path.resolve(target, 'debug', 'pullpath-emulator');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build -p pullpath-emulator\` (./dev test does)`);
  const child = spawn(bin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (d) => log.push(...d.toString().split('\n').filter(Boolean)));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}${log.join('\n')}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/ARM on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited with ${code}: ${log.join('\n')}`)); });
  });
  return { url, log, close: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}
