// A static file server for dist/ on 127.0.0.1 with a random port: what Azure Storage static
// website hosting does (files as they are, index.html for unknown paths), nothing more.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export async function serveDist(root, { overrides = {} } = {}) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (overrides[url.pathname] !== undefined) {
      const o = overrides[url.pathname];
      const body = typeof o === 'function' ? o() : o;
      res.writeHead(body === null ? 404 : 200, { 'content-type': TYPES[path.extname(url.pathname)] ?? 'application/octet-stream' });
      res.end(body ?? 'not found');
      return;
    }
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(base)) { res.writeHead(403); res.end(); return; }
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(base, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, // Keep-alive sockets from Chromium would hold close() open; cut them.
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}
