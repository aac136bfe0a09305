// Prints the gzipped size of the app's wasm + JS in dist/ (what a user downloads).
// With --max-gzip-kib N it fails when the gzipped size is over the budget (issue 8: 600 KB).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const args = process.argv.slice(2);
const maxAt = args.indexOf('--max-gzip-kib');
const max = maxAt >= 0 ? Number(args.splice(maxAt, 2)[1]) : null;
const dir = args[0] ?? 'dist';
let raw = 0, gz = 0;
for (const f of fs.readdirSync(dir)) {
  if (!/\.(wasm|js)$/.test(f)) continue;
  const data = fs.readFileSync(path.join(dir, f));
  raw += data.length;
  gz += zlib.gzipSync(data, { level: 9 }).length;
}
console.log(`app bundle (wasm + js): ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzipped`);
if (max !== null && gz / 1024 > max) {
  console.error(`the app bundle is ${(gz / 1024).toFixed(1)} KiB gzipped, over its budget of ${max} KiB`);
  process.exit(1);
}
