// Microsoft Graph from the same sign-in: a second access token (Graph's audience) for names and
// group members. With consent already given it is had silently at scan time; without it the
// scan runs on ARM data alone, says what is missing and offers "Show names and groups", which
// asks in a popup and scans again. The emulator takes only ARM tokens on ARM paths and only
// Graph tokens under /v1.0/: its request log shows which token went where.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { signInAsUser, GRAPH_RESOURCE, GRAPH_SCOPE, ARM_RESOURCE } from './support/oidc.mjs';
import { startStack } from './support/stack.mjs';
import { Landing, Results, Subscriptions } from './support/pages.mjs';

let stack, browser;

before(async () => { browser = await launch(); });
after(async () => { await stack?.close(); await browser?.close(); });
beforeEach(async () => { await stack?.close(); stack = undefined; });

/// A bare object id where a name belongs: "user bbbbbbbb-…" or a lone GUID as a label.
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}-[0-9a-f]{4}-…|[0-9a-f]{8}-…/;

/// Every request the page (and its popups) makes, with the audience of its bearer token.
function tokenLog(page) {
  const log = [];
  page.context().on('request', (r) => {
    const auth = r.headers()['authorization'];
    let aud = null;
    if (auth) {
      try { aud = JSON.parse(Buffer.from(auth.replace(/^Bearer /, '').split('.')[1], 'base64url').toString()).aud; } catch { aud = 'unreadable'; }
    }
    log.push({ url: r.url(), method: r.method(), aud, body: r.postData() });
  });
  return log;
}

async function signInAndScan(page) {
  const landing = new Landing(page);
  await landing.open(stack.app.url);
  await landing.signIn.click();
  await signInAsUser(page);
  const subs = new Subscriptions(page);
  await subs.heading.waitFor();
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  await new Results(page).heading.waitFor();
}

/// The matrix's identity labels.
async function identities(page) {
  await new Results(page).tab('Matrix').click();
  const grid = page.getByRole('grid', { name: 'Access by identity and registry' });
  await grid.waitFor();
  return grid.getByRole('rowheader').locator('button.link').allInnerTexts();
}

/// Which token each service saw: the page's view (audience per origin and path) and the
/// emulator's (no request refused for the wrong audience).
function assertTokensWentHome(log) {
  const isGraph = (u) => new URL(u).pathname.startsWith('/v1.0/');
  const sent = log.filter((r) => r.aud && r.url.startsWith(stack.arm.url));
  for (const r of sent) {
    assert.equal(r.aud, isGraph(r.url) ? GRAPH_RESOURCE : ARM_RESOURCE, `${r.method} ${r.url} carried the ${r.aud} token`);
  }
  const refused = stack.arm.log.filter((l) => /InvalidAuthenticationToken|-> 401/.test(l));
  assert.deepEqual(refused, [], 'the emulator refused no token for its audience');
  for (const r of log.filter((r) => r.aud)) assert.ok(r.url.startsWith(stack.arm.url), `a token went only to the emulator, not ${r.url}`);
}

test('with consent given, the signed-in scan reads names and groups from Graph silently', async () => {
  stack = await startStack({ graphConsent: 'granted' });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const log = tokenLog(page);
  await signInAndScan(page);
  assert.equal(await page.getByRole('region', { name: 'Names and groups' }).count(), 0, 'no consent notice');
  await screenshot(page, 'graph-consented-graph');

  const labels = await identities(page);
  for (const name of ['Dana Whitfield', 'Priya Raman']) assert.ok(labels.some((l) => l.includes(name)), `${name} in ${labels}`);
  for (const l of labels) assert.doesNotMatch(l, GUID, `a name, not an id: ${l}`);
  await screenshot(page, 'graph-consented-matrix');

  // Priya pulls through a nested group: the detail panel names the chain.
  await page.getByRole('grid', { name: 'Access by identity and registry' }).getByRole('rowheader').getByRole('button', { name: /Priya Raman/ }).click();
  const detail = page.getByRole('complementary', { name: 'Details' });
  await detail.getByRole('heading', { name: /Priya Raman/, level: 2 }).waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader').filter({ hasText: 'Priya Raman' }) });
  await row.getByRole('gridcell', { name: /pull/ }).first().click();
  await detail.getByText(/ml-image-pullers/).first().waitFor();
  const said = await detail.innerText();
  assert.match(said, /member through group platform-identities/);
  assert.match(said, /Held through group\s*ml-image-pullers dddddddd-/, 'the group by name, with its id to act on');
  await screenshot(page, 'graph-consented-detail');

  await new Results(page).tab('Findings').click();
  await page.getByRole('heading', { name: 'Findings', level: 2 }).waitFor();
  const findings = await page.locator('li.finding').allInnerTexts();
  for (const f of findings) assert.doesNotMatch(f, /(user|group|service principal) [0-9a-f]{8}-/, `no finding names a bare id: ${f}`);
  await screenshot(page, 'graph-consented-findings');

  // The Graph token was asked for with the refresh token and the Graph scope, not in a popup.
  const graphGrant = log.find((r) => r.url === `${stack.oidc.issuer}/token` && /grant_type=refresh_token/.test(r.body ?? '') && r.body.includes(encodeURIComponent(`${GRAPH_RESOURCE}/Directory.Read.All`)));
  assert.ok(graphGrant, 'a refresh-token grant for the Graph scope');
  assert.ok(log.some((r) => r.url.startsWith(`${stack.arm.url}/v1.0/directoryObjects/getByIds`)), 'names were read');
  assert.ok(log.some((r) => /\/v1\.0\/groups\/[^/]+\/transitiveMembers/.test(r.url)), 'group members were read');
  assertTokensWentHome(log);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('without consent: the GUID view, what is missing, and consenting in the popup shows names', async () => {
  stack = await startStack();
  // CSP bypassed only so that axe can be added to the page.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const log = tokenLog(page);
  await signInAndScan(page);

  const note = page.getByRole('region', { name: 'Names and groups' });
  await note.waitFor();
  const text = await note.innerText();
  assert.match(text, /Names and group members were not read/);
  assert.match(text, /no consent to read your directory \(Microsoft Graph, delegated permission Directory\.Read\.All\)/);
  assert.match(text, /access through a group is not credited/);
  await note.getByText('If you may not consent').click();
  assert.match(await note.innerText(), /Grant admin consent/);
  assert.match(await note.innerText(), /az ad app permission admin-consent --id 0f1c6e3a-5b7d-4f3e-9a7b-2c1d0e9f8a77/);
  await screenshot(page, 'graph-missing-graph');
  await page.addScriptTag({ path: path.resolve('node_modules/axe-core/axe.min.js') });
  const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(bad, [], 'axe finds nothing serious with the notice open');
  const before = await identities(page);
  assert.ok(before.some((l) => GUID.test(l)), `principals shown by id without Graph: ${before}`);
  assert.ok(!before.some((l) => l.includes('Dana Whitfield')), 'no names without Graph');
  assert.equal(log.filter((r) => new URL(r.url).pathname.startsWith('/v1.0/')).length, 0, 'no Graph request without a Graph token');
  await screenshot(page, 'graph-missing-matrix');

  // Consent in the popup; Graph is read for the results on screen, and ARM is not read again.
  const mark = log.length;
  const [popup] = await Promise.all([page.waitForEvent('popup'), note.getByRole('button', { name: 'Show names and groups' }).click()]);
  await signInAsUser(popup);
  const authorize = new URL(log.find((r) => r.url.startsWith(`${stack.oidc.issuer}/auth?`) && r.url.includes('Directory.Read.All')).url);
  assert.deepEqual(authorize.searchParams.get('scope').split(' ').sort(), [`${GRAPH_RESOURCE}/Directory.Read.All`, 'offline_access', 'openid', 'profile'], 'the popup asks for the Graph permission only');
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  await page.getByRole('region', { name: 'Names and groups' }).waitFor({ state: 'detached', timeout: 60_000 });
  await new Results(page).heading.waitFor();
  const after = await identities(page);
  for (const name of ['Dana Whitfield', 'Priya Raman']) assert.ok(after.some((l) => l.includes(name)), `${name} in ${after}`);
  for (const l of after) assert.doesNotMatch(l, GUID, `a name, not an id: ${l}`);
  await screenshot(page, 'graph-after-consent-matrix');
  const afterConsent = log.slice(mark).filter((r) => r.url.startsWith(stack.arm.url));
  const armAgain = afterConsent.filter((r) => !new URL(r.url).pathname.startsWith('/v1.0/'));
  assert.deepEqual(armAgain.map((r) => `${r.method} ${r.url}`), [], 'after consent only Microsoft Graph is read');
  assert.ok(afterConsent.some((r) => new URL(r.url).pathname.startsWith('/v1.0/directoryObjects/getByIds')), 'names were read after consent');

  assertTokensWentHome(log);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await context.close();
});

test('declining consent in the popup keeps the results and says what was not granted', async () => {
  stack = await startStack();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const log = tokenLog(page);
  await signInAndScan(page);
  const note = page.getByRole('region', { name: 'Names and groups' });
  await note.waitFor();
  const before = await identities(page);
  const mark = log.length;

  // The user cancels at the provider: the popup comes back with `error=access_denied`.
  const [popup] = await Promise.all([page.waitForEvent('popup'), note.getByRole('button', { name: 'Show names and groups' }).click()]);
  await popup.getByRole('link', { name: /cancel/i }).click();
  const alert = page.getByRole('alert').filter({ hasText: /Microsoft Graph was not granted/ });
  await alert.waitFor({ timeout: 30_000 });
  const said = await alert.innerText();
  assert.match(said, /access_denied/, `the provider's answer is named: ${said}`);
  assert.match(said, /an administrator grants Directory\.Read\.All/, said);
  await screenshot(page, 'graph-consent-declined');

  // Nothing was read again and nothing was lost: the same results, the notice and its button.
  assert.deepEqual(log.slice(mark).filter((r) => r.url.startsWith(stack.arm.url)).map((r) => r.url), [], 'no request to ARM or Graph after the refusal');
  await note.getByRole('button', { name: 'Show names and groups' }).waitFor();
  assert.deepEqual(await identities(page), before, 'the results on screen are kept');
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('an expired Graph token is renewed silently: the next scan reads names again and Graph refuses nothing', async () => {
  // Tokens live 6 s; the app renews from half their life on.
  stack = await startStack({ graphConsent: 'granted', accessTokenTTL: 6 });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const log = tokenLog(page);
  await signInAndScan(page);
  const graphGrants = () => log.filter((r) => r.url === `${stack.oidc.issuer}/token` && /grant_type=refresh_token/.test(r.body ?? '') && (r.body ?? '').includes(encodeURIComponent(GRAPH_SCOPE)));
  const first = graphGrants().length;
  assert.ok(first >= 1, 'the Graph token came from the refresh token');
  await page.waitForTimeout(7000);
  const mark = log.length;
  const names = page.waitForResponse((r) => r.url().includes('/v1.0/directoryObjects/getByIds'), { timeout: 60_000 });
  await page.getByRole('button', { name: 'Scan again' }).click();
  assert.equal((await names).status(), 200, 'Graph took the renewed token');
  await new Results(page).heading.waitFor();
  assert.ok(graphGrants().length > first, 'a new Graph token was had without asking');
  const graphAfter = log.slice(mark).filter((r) => r.url.startsWith(stack.arm.url) && new URL(r.url).pathname.startsWith('/v1.0/'));
  assert.ok(graphAfter.length > 0, 'the second scan read Graph');
  const after = await identities(page);
  for (const name of ['Dana Whitfield', 'Priya Raman']) assert.ok(after.some((l) => l.includes(name)), `${name} in ${after}`);
  assertTokensWentHome(log);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});
