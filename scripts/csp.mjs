// Trunk post-build hook: writes the Content Security Policy into index.html as a <meta>, so the
// app is protected on a static host that cannot send headers (Azure Storage static websites),
// and the same policy plus `frame-ancestors 'none'` — which a <meta> cannot carry — as a
// response header for Azure Static Web Apps (`staticwebapp.config.json`, `globalHeaders`).
// docs/hosting.md says how to send it from other hosts.
//
// - scripts: only our own files, WebAssembly compilation ('wasm-unsafe-eval'), and the exact
//   inline bootstrap script Trunk emits (by its SHA-256 hash, computed here) — no
//   'unsafe-inline', no 'unsafe-eval';
// - connect-src: only our own origin, the sign-in authorities and the ARM hosts: those named by
//   public/config.json plus the three Azure clouds', so one build serves any tenant; and the
//   Microsoft Graph host of the configured cloud only (config.json's `cloud`, AzureCloud when
//   absent, or its `graphOrigin`); PULLPATH_CSP_CONNECT_EXTRA adds origins (the browser tests'
//   loopback servers).
//
// Usage: node scripts/csp.mjs [DIR]  (DIR defaults to $TRUNK_STAGING_DIR)
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const CLOUD_HOSTS = [
  'https://login.microsoftonline.com', 'https://management.azure.com',
  'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net',
  'https://login.partner.microsoftonline.cn', 'https://management.chinacloudapi.cn',
];

/// Microsoft Graph's service root per cloud (core::cloud::Cloud::graph_origin).
const GRAPH_HOSTS = {
  azurecloud: 'https://graph.microsoft.com',
  azureusgovernment: 'https://graph.microsoft.us',
  azurechinacloud: 'https://microsoftgraph.chinacloudapi.cn',
};
const CLOUD_ALIASES = { '': 'azurecloud', public: 'azurecloud', usgov: 'azureusgovernment', china: 'azurechinacloud' };

/// The Graph origin the configured app talks to (null for an unknown cloud: no Graph host).
export function graphOrigin(config) {
  if (config?.graphOrigin) return originOf(config.graphOrigin);
  const name = String(config?.cloud ?? '').toLowerCase();
  return GRAPH_HOSTS[CLOUD_ALIASES[name] ?? name] ?? null;
}

export function originOf(url) {
  try { const u = new URL(url); return `${u.protocol}//${u.host}`; } catch { return null; }
}

export function policy(html, config, extra = []) {
  const hashes = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.push(`'sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  }
  const connect = new Set(["'self'", ...CLOUD_HOSTS]);
  for (const key of ['authority', 'armOrigin']) {
    const o = config?.[key] && originOf(config[key]);
    if (o) connect.add(o);
  }
  const graph = graphOrigin(config);
  if (graph) connect.add(graph);
  for (const e of extra) if (e) connect.add(e);
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${[...connect].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/// The policy as a response header: the <meta> policy plus what only a header can say. Both
/// are enforced when both are present, so they must agree; the header adds framing.
export function headerPolicy(csp) {
  return `${csp}; frame-ancestors 'none'`;
}

/// Azure Static Web Apps' configuration: "The globalHeaders section provides a set of HTTP
/// headers applied to each response" (https://learn.microsoft.com/azure/static-web-apps/configuration#global-headers).
export function staticWebAppConfig(csp) {
  return { globalHeaders: { 'Content-Security-Policy': headerPolicy(csp) } };
}

export function apply(html, csp) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  const without = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/g, '');
  return without.replace(/<meta charset="utf-8">/i, (m) => `${m}\n  ${meta}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!dir) { console.error('csp.mjs: no directory given and TRUNK_STAGING_DIR is not set'); process.exit(2); }
  const file = path.join(dir, 'index.html');
  const html = fs.readFileSync(file, 'utf8');
  let config = {};
  const configFile = path.join(dir, 'config.json');
  if (fs.existsSync(configFile)) {
    try { config = JSON.parse(fs.readFileSync(configFile, 'utf8')); } catch (e) { console.error(`csp.mjs: ${configFile}: ${e.message}`); process.exit(1); }
  }
  const extra = (process.env.PULLPATH_CSP_CONNECT_EXTRA ?? '').split(/\s+/).filter(Boolean);
  const csp = policy(html, config, extra);
  if (!/<script(?![^>]*\bsrc=)[^>]*>[\s\S]*?<\/script>/.test(html)) { console.error('csp.mjs: no inline bootstrap script found; Trunk output changed?'); process.exit(1); }
  fs.writeFileSync(file, apply(html, csp));
  fs.writeFileSync(path.join(dir, 'staticwebapp.config.json'), `${JSON.stringify(staticWebAppConfig(csp), null, 2)}\n`);
  console.log(`csp.mjs: ${csp}`);
}
