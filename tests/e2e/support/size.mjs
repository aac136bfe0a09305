// Prints the gzipped size of the app's wasm + JS in dist/: the app's main module, which every
// visitor downloads, and apart from it the demo tenant's worker (`pullpath-demo*`, demo/),
// which only the demo fetches, when it starts.
// With --max-gzip-kib N it fails when the app's gzipped size is over the budget (issue 8: 600 KB).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const args = process.argv.slice(2);
const maxAt = args.indexOf('--max-gzip-kib');
const max = maxAt >= 0 ? Number(args.splice(maxAt, 2)[1]) : null;
const dir = args[0] ?? 'dist';
const app = { raw: 0, gz: 0 }, demo = { raw: 0, gz: 0 };
for (const f of fs.readdirSync(dir)) {
  if (!/\.(wasm|js)$/.test(f)) continue;
  const data = fs.readFileSync(path.join(dir, f));
  const part = f.startsWith('pullpath-demo') ? demo : app;
  part.raw += data.length;
  part.gz += zlib.gzipSync(data, { level: 9 }).length;
}
const kib = (n) => (n / 1024).toFixed(1);
console.log(`app bundle (wasm + js): ${kib(app.raw)} KiB raw, ${kib(app.gz)} KiB gzipped`);
console.log(`demo worker (wasm + js, fetched when the demo starts): ${kib(demo.raw)} KiB raw, ${kib(demo.gz)} KiB gzipped`);
if (max !== null && app.gz / 1024 > max) {
  console.error(`the app bundle is ${kib(app.gz)} KiB gzipped, over its budget of ${max} KiB`);
  process.exit(1);
}
if (max !== null && demo.gz === 0) {
  console.error(`no demo worker (pullpath-demo*.wasm/.js) in ${dir}: the demo would not start`);
  process.exit(1);
}
