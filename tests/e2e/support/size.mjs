// Prints the gzipped size of the app's wasm + JS in dist/ (what a user downloads).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
let raw = 0, gz = 0;
for (const f of fs.readdirSync(dir)) {
  if (!/\.(wasm|js)$/.test(f)) continue;
  const data = fs.readFileSync(path.join(dir, f));
  raw += data.length;
  gz += zlib.gzipSync(data, { level: 9 }).length;
}
console.log(`app bundle (wasm + js): ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzipped`);
