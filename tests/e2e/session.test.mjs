// Session end to end: signing out forgets everything, and a missing or broken config.json
// shows the setup help while the demo tenant keeps working.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist } from './support/server.mjs';
import { launch, screenshot } from './support/browser.mjs';
import { signInAsUser, confirmSignOut } from './support/oidc.mjs';
import { startStack } from './support/stack.mjs';
import { Landing, Inventory, Subscriptions } from './support/pages.mjs';

const DIST = process.env.PULLPATH_TEST_DIST ?? 'dist-test';
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

test('sign out ends the session at the provider, returns to the landing page and forgets the scan', async () => {
  await startAll();
  const page = await browser.newPage();
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.signIn.click();
  await signInAsUser(page);
  const subs = new Subscriptions(page);
  await subs.subscription('11111111-1111-1111-1111-111111111111').waitFor();
  await subs.scan.click();
  const inventory = new Inventory(page);
  await inventory.show();
  assert.equal(await inventory.row('acrmlprod').count(), 1);

  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.getByRole('button', { name: 'Sign out' }).click();
  // RP-Initiated Logout at the provider, back to the app's registered address.
  await confirmSignOut(page, app.url);
  const end = requests.find((u) => u.startsWith(`${oidc.issuer}/session/end`));
  assert.ok(end, 'the browser went to the end_session_endpoint');
  assert.equal(new URL(end).searchParams.get('post_logout_redirect_uri'), `${app.url}/`);
  assert.doesNotMatch(end, /id_token_hint|eyJ/, 'no token in the sign-out URL');
  await landing.signIn.waitFor();
  assert.equal(await inventory.heading.count(), 0, 'no inventory after sign-out');
  assert.equal(await page.getByText(/Signed in as/).count(), 0, 'no session shown');
  assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
  await screenshot(page, 'session-signed-out');
  // Going back in history does not bring the scan back.
  await page.goBack().catch(() => {});
  await page.waitForLoadState();
  assert.equal(await inventory.row('acrmlprod').count(), 0, 'history does not show the scan');
  await page.close();
});

for (const [name, body] of [['404', null], ['invalid JSON', '{ not json'], ['no clientId', '{"authority":"https://login.microsoftonline.com/organizations/v2.0"}']]) {
  test(`config.json ${name}: setup help is shown and the demo still works`, async () => {
    app = await serveDist(DIST, { overrides: { '/config.json': body } });
    const page = await browser.newPage();
    const landing = new Landing(page);
    await landing.open(app.url);
    await page.getByRole('heading', { name: 'Set up sign-in' }).waitFor();
    await screenshot(page, `session-setup-${name.replace(/\W+/g, '-')}`);
    await landing.exploreDemo.click();
    const inventory = new Inventory(page);
    await inventory.show();
    assert.equal(await inventory.row('acrmlprod').count(), 1);
    await page.close();
  });
}
