// The Content Security Policy the build writes into index.html (scripts/csp.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { policy, apply, headerPolicy } from '../../scripts/csp.mjs';

const HTML = `<!DOCTYPE html><html><head><meta charset="utf-8">
<script type="module">import init from '/app.js'; await init();</script>
<link rel="modulepreload" href="/app.js"></head><body></body></html>`;

test('a release build allows no inline code but the hashed bootstrap, and talks only to Azure', () => {
  const csp = policy(HTML, { authority: 'https://login.microsoftonline.com/contoso.com/v2.0' });
  const hash = crypto.createHash('sha256').update("import init from '/app.js'; await init();").digest('base64');
  assert.match(csp, new RegExp(`script-src 'self' 'wasm-unsafe-eval' 'sha256-${hash.replace(/[+/=]/g, (c) => '\\' + c)}'`));
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  const connect = csp.split('; ').find((d) => d.startsWith('connect-src')).split(' ').slice(1);
  assert.deepEqual(connect.sort(), ["'self'", 'https://login.microsoftonline.com', 'https://login.microsoftonline.us', 'https://login.partner.microsoftonline.cn', 'https://management.azure.com', 'https://management.chinacloudapi.cn', 'https://management.usgovcloudapi.net', 'https://graph.microsoft.com'].sort());
  assert.doesNotMatch(csp, /127\.0\.0\.1/);
});

test('connect-src names the Microsoft Graph host of the configured cloud only', () => {
  const graphHosts = (config) => policy(HTML, config).split('; ').find((d) => d.startsWith('connect-src')).split(' ').filter((o) => /graph/.test(o));
  assert.deepEqual(graphHosts({ cloud: 'AzureUSGovernment' }), ['https://graph.microsoft.us']);
  assert.deepEqual(graphHosts({ cloud: 'AzureChinaCloud' }), ['https://microsoftgraph.chinacloudapi.cn']);
  assert.deepEqual(graphHosts({}), ['https://graph.microsoft.com']);
  assert.deepEqual(graphHosts({ cloud: 'Mars' }), [], 'an unknown cloud (which the app refuses) gets no Graph host');
});

test('the meta goes first in <head>, once', () => {
  const once = apply(HTML, "default-src 'none'");
  const twice = apply(once, "default-src 'self'");
  assert.equal((twice.match(/Content-Security-Policy/g) ?? []).length, 1);
  assert.ok(twice.indexOf('Content-Security-Policy') < twice.indexOf('<script'));
});

test('the built app carries the policy with the hash of its real bootstrap script', () => {
  const dist = process.env.PULLPATH_TEST_DIST ?? 'dist-test';
  const html = fs.readFileSync(`${dist}/index.html`, 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  assert.ok(meta, 'index.html has a CSP meta');
  const inline = html.match(/<script type="module">([\s\S]*?)<\/script>/)[1];
  const hash = crypto.createHash('sha256').update(inline, 'utf8').digest('base64');
  assert.ok(meta[1].includes(`'sha256-${hash}'`), 'the hash matches the inline script as shipped');
});

test('the build ships the same policy plus frame-ancestors as an Azure Static Web Apps header', () => {
  const dist = process.env.PULLPATH_TEST_DIST ?? 'dist-test';
  const html = fs.readFileSync(`${dist}/index.html`, 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)[1];
  assert.doesNotMatch(meta, /frame-ancestors/, 'a <meta> policy cannot carry frame-ancestors (browsers ignore it there)');
  const swa = JSON.parse(fs.readFileSync(`${dist}/staticwebapp.config.json`, 'utf8'));
  assert.deepEqual(Object.keys(swa), ['globalHeaders']);
  assert.equal(swa.globalHeaders['Content-Security-Policy'], headerPolicy(meta));
  assert.match(swa.globalHeaders['Content-Security-Policy'], /; frame-ancestors 'none'$/);
});
