// Sign-in end to end: the built app, in real Chromium, signs in through a real OpenID provider
// (oidc-provider, public client, PKCE enforced), scans the loopback ARM emulator, which checks
// every token against the provider's JWKS, and shows the inventory. Then the ways it must fail.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveDist } from './support/server.mjs';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { startOidc, signInAsUser, CLIENT_ID, ARM_RESOURCE, TENANT_ID } from './support/oidc.mjs';
import { startEmulator } from './support/emulator.mjs';
import { Landing, Inventory, Results, Subscriptions } from './support/pages.mjs';

const DIST = process.env.PULLPATH_TEST_DIST ?? 'dist-test';
let app, oidc, arm, browser;

async function startAll({ accessTokenTTL = 3600, refreshTokenTTL = 86400, emulatorArgs = [], tenants = null } = {}) {
  // The app's URL must be known before the provider (it is the registered redirect URI).
  const config = {};
  app = await serveDist(DIST, { overrides: { '/config.json': () => JSON.stringify(config) } });
  oidc = await startOidc({ redirectUri: `${app.url}/`, accessTokenTTL, refreshTokenTTL, tenants });
  const issuers = oidc.issuers.flatMap((i) => ['--issuer', i]);
  arm = await startEmulator(['--scenario', 'demo', '--jwks-url', oidc.jwksUrl, ...issuers, '--audience', ARM_RESOURCE, '--page-size', '2', ...emulatorArgs]);
  Object.assign(config, { clientId: CLIENT_ID, authority: oidc.issuer, armOrigin: arm.url });
}

async function stopAll() {
  await arm?.close(); await oidc?.close(); await app?.close();
  arm = oidc = app = undefined;
}

/// Every request the page makes, with whether it carried a bearer token.
function networkLog(page) {
  const log = [];
  page.on('request', (r) => log.push({ url: r.url(), method: r.method(), auth: r.headers()['authorization'] ?? null, body: r.postData() }));
  return log;
}

async function signIn(page) {
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.signIn.click();
  await signInAsUser(page);
}

/// A new page signed in and at the subscription picker, with its console errors and its
/// network log.
async function signedIn(options) {
  const page = await browser.newPage(options);
  const errors = collectErrors(page);
  const log = networkLog(page);
  await signIn(page);
  const subs = new Subscriptions(page);
  await subs.heading.waitFor();
  return { page, errors, log, subs };
}

before(async () => { browser = await launch(); });
// The last test's servers must close too, or node keeps the file's process alive forever.
after(async () => { await stopAll(); await browser?.close(); });
beforeEach(async () => { await stopAll(); });

test('sign in with PKCE, scan the emulator with the issued tokens, show the inventory', async () => {
  await startAll();
  const { page, errors, log, subs } = await signedIn();
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  assert.match(await page.getByText(/Signed in as Ada Lovelace/).textContent(), /72f988bf/);
  await screenshot(page, 'auth-subscriptions');

  // Nothing secret outside memory: not in storage, not in the address bar.
  const stored = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, url: location.href }));
  const tokens = log.filter((r) => r.auth).map((r) => r.auth.replace(/^Bearer /, ''));
  assert.ok(tokens.length > 0, 'ARM was called with a bearer token');
  for (const t of tokens) assert.ok(!stored.includes(t), 'the access token is not stored or in the URL');
  assert.ok(!/code=|state=/.test(await page.evaluate(() => location.href)), 'code and state left the address bar');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the PKCE verifier and state were deleted');

  await subs.scan.click();
  const inventory = new Inventory(page);
  await inventory.show();
  for (const name of ['acrmlprod', 'mlw-prod', 'aks-inference']) assert.equal(await inventory.row(name).count(), 1, name);
  assert.ok(log.some((r) => /\/workspaces\/mlw-secure\/jobs\?/.test(r.url)), 'a default scan lists the jobs');
  await screenshot(page, 'auth-inventory');

  // The authorize request used PKCE S256; the token request sent the verifier.
  const authorize = log.find((r) => r.url.startsWith(`${oidc.issuer}/auth`));
  assert.match(authorize.url, /code_challenge_method=S256/);
  const tokenReq = log.find((r) => r.url === `${oidc.issuer}/token` && r.method === 'POST');
  assert.match(tokenReq.body, /code_verifier=[A-Za-z0-9\-._~]{43,128}(&|$)/);
  // Tokens went to the ARM origin only.
  for (const r of log.filter((r) => r.auth)) assert.ok(r.url.startsWith(arm.url), `token sent only to ARM, not ${r.url}`);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('the scan reads as many environment versions and jobs as the settings say, and no more', async () => {
  await startAll();
  const { page, errors, log, subs } = await signedIn();
  const versions = page.getByRole('spinbutton', { name: 'Versions read per environment' });
  const jobs = page.getByRole('spinbutton', { name: 'Jobs read per workspace' });
  assert.equal(await versions.inputValue(), '3', 'the default');
  assert.equal(await jobs.inputValue(), '20', 'the default');
  // What is not a whole number is put back; a number out of range is brought into it.
  await jobs.fill('9999');
  await jobs.press('Tab');
  assert.equal(await jobs.inputValue(), '500');
  await jobs.fill('');
  await jobs.press('Tab');
  assert.equal(await jobs.inputValue(), '500', 'an empty field keeps the setting');
  await jobs.fill('0');
  await jobs.press('Tab');
  await versions.fill('1');
  await versions.press('Tab');
  await page.locator('fieldset.depth').first().screenshot({ path: 'tests/e2e/output/scan-depth-settings.png' });
  await subs.scan.click();
  await new Inventory(page).show();
  const arm_ = log.filter((r) => r.url.startsWith(arm.url)).map((r) => new URL(r.url));
  assert.equal(arm_.filter((u) => /\/workspaces\/[^/]+\/jobs$/.test(u.pathname)).length, 0, 'no job list with 0 jobs');
  const versionLists = arm_.filter((u) => /\/environments\/[^/]+\/versions$/.test(u.pathname));
  assert.ok(versionLists.length > 0, 'the demo has environments');
  for (const u of versionLists) assert.equal(u.searchParams.get('$top'), '1', u.href);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('a private endpoint carries a pull only with its DNS: the scan reads its zone groups and the zone links unless told not to, and the verdict says which', async () => {
  // A truth case: gpu-cluster runs in the network of acrprivate's approved private endpoint,
  // whose records are in a private DNS zone that is not linked to that network.
  const truthCase = JSON.parse(fs.readFileSync(path.resolve('core/tests/truth/network/private-dns-zone-not-linked-blocks.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'no-dns.json');
  fs.writeFileSync(file, JSON.stringify(truthCase.snapshot));
  for (const read of [true, false]) {
    await stopAll();
    await startAll({ emulatorArgs: ['--tenant', `@${file}`] });
    const { page, errors, log, subs } = await signedIn({ viewport: { width: 1400, height: 1000 } });
    await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
    const box = page.getByRole('checkbox', { name: "Read the private DNS of registries' private endpoints" });
    assert.equal(await box.isChecked(), true, 'read by default');
    if (!read) {
      await box.uncheck();
      await page.locator('fieldset.depth').last().screenshot({ path: 'tests/e2e/output/scan-private-dns-setting.png' });
    }
    await subs.scan.click();
    const results = new Results(page);
    await results.heading.waitFor();
    const lists = (name) => log.filter((r) => r.url.startsWith(arm.url) && new URL(r.url).pathname.endsWith(`/${name}`)).length;
    assert.equal(lists('privateDnsZoneGroups'), read ? 1 : 0, 'the endpoint\'s zone groups');
    assert.equal(lists('virtualNetworkLinks'), read ? 1 : 0, 'the zone\'s links');
    await results.tab('Matrix').click();
    await page.getByRole('grid', { name: 'Access by identity and registry' }).waitFor();
    await page.getByLabel('Registry', { exact: true }).fill('acrprivate');
    await page.getByLabel('Identity', { exact: true }).fill('gpu-cluster');
    await page.locator('.matrix-view [role=status]').filter({ hasText: /^1 of \d+ identities/ }).waitFor();
    await page.locator('#mx-0-0').click();
    const panel = page.getByRole('complementary', { name: 'Details' });
    await panel.getByRole('heading', { name: 'Network', level: 3 }).waitFor();
    const net = await panel.locator('ul.network').innerText();
    if (read) {
      assert.match(net, /^gpu-cluster: blocked/, net);
      assert.match(net, /keeps its records in zone privatelink\.azurecr\.io, where acrprivate\.privatelink\.azurecr\.io resolves to 10\.0\.2\.4, but the zone is not linked to vnet-ml/, net);
      await screenshot(page, 'detail-network-private-dns');
    } else {
      assert.match(net, /^gpu-cluster: reachable/, net);
      assert.match(net, /pe-acr's private DNS zone groups were not read/, net);
    }
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
    await page.close();
  }
});

test('a redirect with the wrong state is refused and no token request is made', async () => {
  await startAll();
  const page = await browser.newPage();
  const log = networkLog(page);
  // A sign-in is under way (its state is in sessionStorage) when a response that was not
  // issued for it arrives: a login-CSRF or code-injection attempt.
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.signIn.click();
  await page.locator('input[name="login"]').waitFor();
  await page.goto(`${app.url}/?code=injected-code&state=forged-state`);
  await page.getByRole('alert').filter({ hasText: /state mismatch/ }).waitFor();
  await screenshot(page, 'auth-state-mismatch');
  assert.equal(log.filter((r) => r.url.startsWith(`${oidc.issuer}/token`)).length, 0, 'no token request');
  assert.ok(!page.url().includes('injected-code'), 'the injected code left the address bar');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the pending sign-in was discarded');
  await page.close();
});

test('a tampered code verifier is refused by the provider and the app says so', async () => {
  await startAll();
  const page = await browser.newPage();
  await page.route(`${oidc.issuer}/token`, (route) => {
    const body = route.request().postData().replace(/code_verifier=[^&]+/, 'code_verifier=' + 'x'.repeat(64));
    return route.continue({ postData: body });
  });
  await signIn(page);
  const alert = page.getByRole('alert').filter({ hasText: /refused sign-in/ });
  await alert.waitFor();
  assert.match(await alert.textContent(), /invalid_grant/);
  await screenshot(page, 'auth-bad-verifier');
  await page.close();
});

test('an expiring access token is refreshed with the refresh token', async () => {
  await startAll({ accessTokenTTL: 4 });
  const page = await browser.newPage();
  const log = networkLog(page);
  await signIn(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  const first = log.find((r) => r.auth)?.auth;
  await page.waitForTimeout(2500); // past half the token's life: the next ARM call must refresh first
  await subs.scan.click();
  await new Inventory(page).show();
  const refresh = log.filter((r) => r.url === `${oidc.issuer}/token` && /grant_type=refresh_token/.test(r.body ?? ''));
  assert.ok(refresh.length >= 1, 'a refresh_token grant was made');
  const later = log.filter((r) => r.auth).at(-1).auth;
  assert.notEqual(later, first, 'ARM saw the new access token');
  assert.equal(await new Inventory(page).row('acrmlprod').count(), 1);
  await page.close();
});

test('a nextLink to a foreign host is not followed and no token leaves the ARM origin', async () => {
  // Without Resource Graph the scan lists each provider and follows nextLinks.
  await startAll({ emulatorArgs: ['--graph-forbidden'] });
  const foreign = await serveDist(DIST);
  const page = await browser.newPage();
  const log = networkLog(page);
  // ARM answers a list with a nextLink that points elsewhere.
  const registriesList = (u) => u.origin === arm.url && /\/providers\/Microsoft\.ContainerRegistry\/registries$/i.test(u.pathname);
  await page.route(registriesList, async (route) => {
    const resp = await route.fetch();
    const body = await resp.json();
    if (body.nextLink) body.nextLink = body.nextLink.replace(arm.url, foreign.url);
    return route.fulfill({ response: resp, body: JSON.stringify(body) });
  });
  await signIn(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  const inventory = new Inventory(page);
  await inventory.show();
  assert.equal(log.filter((r) => r.url.startsWith(foreign.url)).length, 0, 'nothing was sent to the foreign host');
  for (const r of log.filter((r) => r.auth)) assert.ok(r.url.startsWith(arm.url), `token only to ARM, not ${r.url}`);
  await page.getByText(/not followed/).first().waitFor();
  await screenshot(page, 'auth-foreign-nextlink');
  await foreign.close();
  await page.close();
});

test('when the session cannot be refreshed, signing in again in a popup keeps the scan', async () => {
  // Access tokens live 2 s and refresh tokens 3 s: after that only a new sign-in helps.
  await startAll({ accessTokenTTL: 2, refreshTokenTTL: 3 });
  const page = await browser.newPage();
  const log = networkLog(page);
  await signIn(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  const inventory = new Inventory(page);
  await inventory.show();
  assert.equal(await inventory.row('acrmlprod').count(), 1);

  await page.waitForTimeout(4000);
  // Any ARM call now needs a token: going back to the subscription list makes one.
  await page.getByRole('button', { name: 'Scan again' }).click();
  const banner = page.getByRole('alert').filter({ hasText: /session has expired/ });
  await banner.waitFor();
  await screenshot(page, 'auth-session-expired');
  assert.equal(await inventory.row('acrmlprod').count(), 1, 'the scan is still on screen');

  const [popup] = await Promise.all([page.waitForEvent('popup'), banner.getByRole('button', { name: 'Sign in again' }).click()]);
  await signInAsUser(popup);
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
  await banner.waitFor({ state: 'detached' });
  assert.equal(await inventory.row('acrmlprod').count(), 1, 'the scan survived the new sign-in');
  const before = log.filter((r) => r.auth).length;
  await page.getByRole('button', { name: 'Scan again' }).click();
  await inventory.show();
  await page.waitForFunction(() => !document.querySelector('[role=progressbar]'));
  assert.ok(log.filter((r) => r.auth).length > before, 'ARM calls resumed with the new token');
  assert.equal(await inventory.row('acrmlprod').count(), 1);
  await page.close();
});

test('switching tenant signs in again at that tenant and reads ARM with its token', async () => {
  // Like Entra: one issuer per tenant at /{tenant}/v2.0; the configured authority names the
  // home tenant, and ARM lists both directories.
  const other = '3b1e0c4a-0000-4000-8000-000000000002';
  await startAll({ tenants: [TENANT_ID, other], emulatorArgs: ['--directory', `${other}=Fabrikam`] });
  const { page, errors, log, subs } = await signedIn();
  await page.getByText(new RegExp(`in tenant ${TENANT_ID}`)).waitFor();

  const picker = page.getByRole('combobox', { name: 'Your directories' });
  await picker.selectOption({ label: `Fabrikam (${other})` });
  await screenshot(page, 'auth-tenant-picker');
  await page.getByRole('button', { name: 'Switch tenant' }).click();
  await signInAsUser(page);
  await page.getByText(new RegExp(`in tenant ${other}`)).waitFor();

  // The second sign-in went to the other tenant's endpoints, found by its own discovery.
  assert.ok(log.some((r) => r.url.startsWith(`${oidc.issuers[1]}/.well-known/openid-configuration`)), 'discovery of the other tenant');
  assert.ok(log.some((r) => r.url.startsWith(`${oidc.issuers[1]}/auth?`)), 'authorize at the other tenant');
  assert.ok(log.some((r) => r.url === `${oidc.issuers[1]}/token` && r.method === 'POST'), 'token from the other tenant');
  // ARM accepted the other tenant's token: the subscriptions are listed again.
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  const switchedAt = log.findIndex((r) => r.url.startsWith(`${oidc.issuers[1]}/token`));
  assert.ok(log.slice(switchedAt).some((r) => r.auth && r.url.startsWith(arm.url)), 'ARM called after the switch');
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});

test('inside a frame the app offers no sign-in and refuses to redeem a code', async () => {
  await startAll();
  const framer = await serveDist(DIST, { overrides: {
    '/frame.html': `<!DOCTYPE html><title>someone else's page</title><iframe title="framed app" src="${app.url}/" width="1000" height="700"></iframe>`,
    '/frame-code.html': `<!DOCTYPE html><title>someone else's page</title><iframe title="framed app" src="${app.url}/?code=stolen-code&state=guessed" width="1000" height="700"></iframe>`,
  } });
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const log = networkLog(page);
  await page.goto(`${framer.url}/frame.html`);
  const frame = page.frameLocator('iframe[title="framed app"]');
  await frame.getByRole('button', { name: 'Explore the demo tenant' }).waitFor();
  const note = frame.getByRole('note').filter({ hasText: /inside another page \(a frame\)/ });
  await note.waitFor();
  assert.equal(await frame.getByRole('button', { name: 'Sign in with Microsoft' }).count(), 0, 'no sign-in button in a frame');
  assert.equal(await note.getByRole('link', { name: 'Open pullpath in its own tab' }).getAttribute('target'), '_blank');
  await screenshot(page, 'auth-framed');
  // A sign-in response delivered into a frame is refused before any token request.
  await page.goto(`${framer.url}/frame-code.html`);
  await frame.getByRole('alert').filter({ hasText: /inside another page/ }).waitFor();
  assert.equal(log.filter((r) => r.url.startsWith(oidc.issuer)).length, 0, 'the identity provider was not contacted');
  // The same app in its own tab signs in as usual.
  await page.goto(app.url);
  await new Landing(page).signIn.waitFor();
  await framer.close();
  await page.close();
});

for (const [name, breakIt] of [
  ['throws', () => { Crypto.prototype.getRandomValues = () => { throw new Error('no entropy'); }; }],
  ['is missing', () => { delete Crypto.prototype.getRandomValues; }],
  ['returns zeros', () => { Crypto.prototype.getRandomValues = (a) => a; }],
]) {
  test(`a random source that ${name} refuses to sign in and contacts no provider`, async () => {
    await startAll();
    const page = await browser.newPage();
    await page.addInitScript(breakIt);
    const log = networkLog(page);
    const landing = new Landing(page);
    await landing.open(app.url);
    await landing.signIn.click();
    const alert = page.getByRole('alert').filter({ hasText: /secure random source/ });
    await alert.waitFor();
    assert.equal(log.filter((r) => r.url.startsWith(oidc.issuer)).length, 0, 'nothing was sent to the identity provider');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'no sign-in state was stored');
    assert.ok(page.url().startsWith(app.url), 'still on the app');
    await page.close();
  });
}
