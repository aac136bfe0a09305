// Signing out while work is under way: during a scan, the scan's requests are aborted, nothing
// of the tenant stays on screen and no further ARM request is made; during an apply, the
// apply stops and undoes what it wrote first, then the session ends at the provider, and the
// landing page says how the tenant was left.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { signInAsUser, confirmSignOut } from './support/oidc.mjs';
import { startStack } from './support/stack.mjs';
import { Landing, Results, Subscriptions, reviewAllFixes, DEMO_TENANT_TEXT } from './support/pages.mjs';

let app, oidc, arm, browser, stack;

async function startAll(options) {
  stack = await startStack(options);
  ({ app, oidc, arm } = stack);
}

async function stopAll() {
  await stack?.close();
  stack = app = oidc = arm = undefined;
}

before(async () => { browser = await launch(); });
after(async () => { await stopAll(); await browser?.close(); });
beforeEach(async () => { await stopAll(); });

/// Every ARM request the page starts, with the time it started (the page's and node's
/// Date.now() read the same clock).
function armLog(page) {
  const log = [];
  page.on('request', (r) => { if (r.url().startsWith(arm.url) && r.method() !== 'OPTIONS') log.push({ at: Date.now(), method: r.method(), url: r.url() }); });
  return log;
}

/// Clicks Sign out and returns when the click handler ran (by the page's clock).
async function signOutNow(page) {
  await page.evaluate(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Sign out');
    b.addEventListener('click', () => { window.__signedOutAt = Date.now(); }, { capture: true, once: true });
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  return page.evaluate(() => window.__signedOutAt);
}

async function findingCount(page) {
  const text = await page.locator('.results .summary').first().innerText();
  const m = text.match(/(\d+) findings?/);
  assert.ok(m, `summary names the findings: ${text}`);
  return Number(m[1]);
}

async function assertNothingOfTheTenant(page) {
  const text = await page.locator('body').innerText();
  for (const t of DEMO_TENANT_TEXT) assert.ok(!text.includes(t), `"${t}" is not on screen after sign-out:\n${text}`);
  assert.equal(await page.getByRole('progressbar').count(), 0, 'no scan progress');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'no session shown');
}

test('signing out during a scan aborts it: nothing of the tenant is shown and ARM is not called again', async () => {
  // Slow ARM (and one item per page) so that the scan is still running when the user signs out.
  await startAll({ emulatorArgs: ['--latency-ms', '400', '--page-size', '1', '--graph-forbidden'] });
  const page = await browser.newPage();
  const errors = collectErrors(page);
  // A provider without an end-session endpoint: sign-out then stays in the page, so what the
  // page itself forgets is what is tested here.
  await page.route(`${oidc.issuer}/.well-known/openid-configuration`, async (route) => {
    const resp = await route.fetch();
    const body = await resp.json();
    delete body.end_session_endpoint;
    return route.fulfill({ response: resp, body: JSON.stringify(body) });
  });
  const log = armLog(page);
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.signIn.click();
  await signInAsUser(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  await page.getByRole('progressbar', { name: 'Scan progress' }).waitFor();
  // Let it get going: requests in flight and pages still to follow.
  await page.waitForFunction(() => /[1-9]\d* of \d+ requests done/.test(document.body.innerText));
  const before = log.length;
  const at = await signOutNow(page);
  await landing.signIn.waitFor();
  await page.getByRole('status').filter({ hasText: 'Signed out of pullpath.' }).waitFor();
  // Anything the scan would have done next would have happened by now.
  await page.waitForTimeout(3000);
  await assertNothingOfTheTenant(page);
  const later = log.filter((r) => r.at > at);
  assert.deepEqual(later, [], 'no ARM request after sign-out');
  assert.ok(before > 0, 'the scan had called ARM');
  await screenshot(page, 'signout-during-scan');
  assert.deepEqual(errors.filter((e) => !/Failed to load resource|ERR_ABORTED|aborted/i.test(e)), []);
  await page.close();
});

test('signing out during an apply stops it, undoes what it wrote, then ends the session', async () => {
  await startAll();
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const log = armLog(page);
  // Writes take a while (as they do on ARM), so that the user signs out in the middle.
  await page.route((u) => u.origin === arm.url, async (route) => {
    if (['PUT', 'PATCH', 'DELETE'].includes(route.request().method()) && !route.request().url().includes('/permissions')) await new Promise((r) => setTimeout(r, 2500));
    return route.continue();
  });
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.signIn.click();
  await signInAsUser(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  await new Results(page).heading.waitFor();
  const findingsBefore = await findingCount(page);
  const plan = await reviewAllFixes(page);
  await plan.apply.click();
  // A write is on its way (ARM takes 2.5 s to answer it).
  for (let i = 0; !log.some((r) => r.method !== 'GET'); i++) {
    assert.ok(i < 300, 'a write was sent');
    await new Promise((r) => setTimeout(r, 100));
  }
  await signOutNow(page);
  // While the apply undoes what it wrote, the page says so. When the stop caught the write
  // before ARM took it, there is nothing to undo and the browser leaves for the provider at
  // once (the note below then says "before it wrote anything"): the status may never show.
  const signingOut = page.getByRole('status').filter({ hasText: /Signing out/ }).first();
  const shown = await signingOut.waitFor({ timeout: 10000 }).then(() => true, () => false);
  if (shown) await screenshot(page, 'signout-during-apply-undoing');
  // The apply undoes, then the browser goes to the provider to end the session, and back.
  await confirmSignOut(page, app.url);
  await landing.signIn.waitFor();
  const note = page.getByRole('status').filter({ hasText: /The apply that was running was stopped/ });
  await note.waitFor();
  assert.match(await note.innerText(), /undone: the tenant is as it was before the apply|before it wrote anything/);
  await assertNothingOfTheTenant(page);
  await screenshot(page, 'signout-during-apply-done');
  const count = log.length;
  await page.waitForTimeout(3000);
  assert.equal(log.length, count, 'no ARM request after sign-out');
  assert.deepEqual(await page.evaluate(() => sessionStorage.length), 0, 'the note was read and removed');
  // Signing in again (the provider asks for the password: its session was ended) and scanning
  // shows the tenant as it was before the apply.
  await landing.signIn.click();
  await page.locator('input[name="login"]').waitFor();
  await signInAsUser(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  await new Results(page).heading.waitFor();
  assert.equal(await findingCount(page), findingsBefore, 'every change the apply made was undone');
  await context.close();
});
