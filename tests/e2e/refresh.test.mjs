// The session during an apply: a refresh that fails on the network while the token is still
// good changes nothing; a session that is really gone pauses the apply (nothing is sent,
// nothing fails) until the user signs in again in a popup, and the apply then finishes.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, screenshot } from './support/browser.mjs';
import { signInAsUser } from './support/oidc.mjs';
import { startStack } from './support/stack.mjs';
import { Landing, Results, Subscriptions, reviewAllFixes } from './support/pages.mjs';

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

const isRefresh = (req) => req.method() === 'POST' && /grant_type=refresh_token/.test(req.postData() ?? '');

/// Signs in, scans and opens the plan of every fix, with ARM writes slowed by `writeDelayMs`
/// so that the apply outlives the short-lived access token.
async function toPlan(writeDelayMs) {
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.route((u) => u.origin === arm.url, async (route) => {
    if (['PUT', 'PATCH', 'DELETE'].includes(route.request().method())) await new Promise((r) => setTimeout(r, writeDelayMs));
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
  return { context, page, plan: await reviewAllFixes(page) };
}

async function journal(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download journal' }).click()]);
  return JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
}

test('a refresh that fails on the network mid-apply does not end the session: the apply finishes', async () => {
  // Tokens live 6 s: refreshed from 3 s on; writes take 4 s, so the apply crosses that point.
  await startAll({ accessTokenTTL: 6 });
  const { context, page, plan } = await toPlan(4000);
  let failed = 0;
  await page.route(`${oidc.issuer}/token`, (route) => {
    if (!isRefresh(route.request())) return route.continue();
    if (failed === 0) { failed++; return route.abort('internetdisconnected'); }
    return route.continue();
  });
  const expired = page.getByRole('alert').filter({ hasText: /session has expired/ });
  let sawExpired = false;
  expired.waitFor({ timeout: 120_000 }).then(() => { sawExpired = true; }, () => {});
  await plan.apply.click();
  await plan.outcome.filter({ hasText: 'Every change was applied and verified.' }).waitFor({ timeout: 120_000 });
  assert.equal(failed, 1, 'a refresh failed on the network during the apply');
  assert.ok((await plan.stages()).every((s) => s === 'Done'));
  assert.equal(sawExpired, false, 'the user was never told the session had expired');
  const report = await journal(page);
  assert.equal(report.outcome.outcome, 'applied');
  assert.ok(!report.journal.some((e) => /not signed in|cancelled/.test(e.error ?? '')), 'no request failed for sign-in');
  // The apply's later requests ran on the still-valid token, or on a refreshed one once the
  // network was back: either way ARM refused none.
  assert.ok(!report.journal.some((e) => e.status === 401), 'ARM never refused a token');
  await context.close();
});

test('when the session is gone mid-apply, the apply pauses, and signing in again continues it', async () => {
  await startAll({ accessTokenTTL: 6 });
  const { context, page, plan } = await toPlan(7000);
  // From now on the provider refuses the refresh token, as Entra does once it is revoked.
  let refused = 0;
  await page.route(`${oidc.issuer}/token`, (route) => {
    if (!isRefresh(route.request())) return route.continue();
    refused++;
    return route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked' }) });
  });
  const requests = [];
  page.on('request', (r) => { if (r.url().startsWith(arm.url) && r.method() !== 'OPTIONS') requests.push(r.method()); });
  await plan.apply.click();
  await plan.paused.waitFor({ timeout: 60_000 });
  await screenshot(page, 'apply-paused-sign-in');
  assert.ok(refused >= 1, 'the refresh was refused');
  // Paused: nothing is sent, and nothing has failed or been rolled back.
  const sent = requests.length;
  await page.waitForTimeout(2500);
  assert.equal(requests.length, sent, 'no ARM request while paused');
  const stages = await plan.stages();
  assert.ok(!stages.some((s) => s === 'Failed' || s === 'Rolled back'), `nothing failed: ${stages}`);
  assert.equal(await plan.outcome.count(), 0, 'the apply has not ended');

  // The banner above offers the new sign-in.
  const signInAgain = page.getByRole('alert').filter({ hasText: /session has expired/ }).getByRole('button', { name: 'Sign in again' });
  // Closing the sign-in window is noticed: the apply stays paused and the user is told. (The
  // provider's page is replaced meanwhile, or its live session would finish the sign-in at once.)
  const stall = (u) => u.href.startsWith(`${oidc.issuer}/auth`);
  await context.route(stall, (route) => route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>Sign in</title><p>Sign in to your account</p>' }));
  const [closed] = await Promise.all([page.waitForEvent('popup'), signInAgain.click()]);
  await closed.close();
  await page.getByRole('alert').filter({ hasText: 'the sign-in window was closed before sign-in finished' }).waitFor({ timeout: 10_000 });
  assert.equal(await plan.paused.count(), 1, 'still paused');
  assert.equal(requests.length, sent, 'still nothing sent');
  await context.unroute(stall);

  await page.unroute(`${oidc.issuer}/token`);
  const [popup] = await Promise.all([page.waitForEvent('popup'), signInAgain.click()]);
  await signInAsUser(popup);
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
  await plan.outcome.filter({ hasText: 'Every change was applied and verified.' }).waitFor({ timeout: 120_000 });
  assert.equal(await plan.paused.count(), 0, 'no longer paused');
  assert.ok((await plan.stages()).every((s) => s === 'Done'));
  const report = await journal(page);
  assert.equal(report.outcome.outcome, 'applied');
  assert.ok(!report.journal.some((e) => e.error || e.status === 401), 'no request failed or was refused');
  await screenshot(page, 'apply-resumed-done');
  await context.close();
});
