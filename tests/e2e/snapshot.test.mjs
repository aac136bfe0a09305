// Saving and sharing: "Save snapshot" downloads the CLI's input format, which the landing page
// opens again to the same registries and findings; "Copy link to this view" gives a URL that
// restores the tab and selection in a fresh browser and carries nothing token-like.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { serveDist } from './support/server.mjs';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { Landing, Results } from './support/pages.mjs';

let server, browser;
before(async () => { server = await serveDist(process.env.PULLPATH_TEST_DIST ?? 'dist-test'); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

class Share {
  constructor(page) { this.page = page; }
  get save() { return this.page.getByRole('button', { name: 'Save snapshot' }); }
  get copyLink() { return this.page.getByRole('button', { name: 'Copy link to this view' }); }
  get status() { return this.page.locator('.share-status'); }
}

async function openDemo(page, url = server.url) {
  const landing = new Landing(page);
  await landing.open(url);
  await landing.exploreDemo.click();
  await new Results(page).heading.waitFor();
}

async function counts(page) {
  const text = await page.locator('.results .summary').first().innerText();
  const m = text.match(/(\d+) identities, (\d+) registries, (\d+) findings/);
  assert.ok(m, `summary: ${text}`);
  return { identities: Number(m[1]), registries: Number(m[2]), findings: Number(m[3]) };
}

test('a saved snapshot opens again with the same registries and findings', async () => {
  const context = await browser.newContext({ acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'], viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await openDemo(page);
  const demo = await counts(page);
  const share = new Share(page);
  const [download] = await Promise.all([page.waitForEvent('download'), share.save.click()]);
  const name = download.suggestedFilename();
  assert.match(name, /^pullpath-snapshot-\d{4}-\d\d-\d\d\.json$/);
  await share.status.filter({ hasText: `Saved ${name}` }).waitFor();
  const file = await download.path();
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(Array.isArray(doc.resources) && doc.resources.length > 0, 'the CLI format: {"resources": [...]}');

  // A fresh load of the landing page opens the file.
  const fresh = await context.newPage();
  const freshErrors = collectErrors(fresh);
  await new Landing(fresh).open(server.url);
  const [chooser] = await Promise.all([fresh.waitForEvent('filechooser'), fresh.getByText('Open a snapshot file').click()]);
  await chooser.setFiles({ name, mimeType: 'application/json', buffer: fs.readFileSync(file) });
  await new Results(fresh).heading.waitFor();
  await fresh.getByText(`From snapshot ${name}`).waitFor();
  assert.deepEqual(await counts(fresh), demo);

  // A link to a snapshot's view names the tab only: ids of a real tenant stay out of URLs.
  await new Results(fresh).tab('Matrix').click();
  await fresh.locator('#mx-0-0').click();
  await fresh.getByRole('complementary', { name: 'Details' }).getByRole('heading', { name: /^Can .* pull from .*\?$/ }).waitFor();
  await new Share(fresh).copyLink.click();
  await new Share(fresh).status.filter({ hasText: 'Link copied' }).waitFor();
  assert.match(await fresh.evaluate(() => navigator.clipboard.readText()), /\/#view=matrix$/);

  // A snapshot has no tenant behind it: the plan can be reviewed and exported, not applied.
  await new Results(fresh).tab('Findings').click();
  await fresh.getByRole('button', { name: 'Fix all' }).click();
  await fresh.getByRole('region', { name: 'Pending changes' }).getByRole('button', { name: /^Review \d+ changes?$/ }).click();
  await fresh.getByRole('heading', { name: 'Review changes', level: 1 }).waitFor();
  await fresh.getByText(`This plan comes from the snapshot file ${name}, which is not connected to a tenant`, { exact: false }).waitFor();
  assert.equal(await fresh.getByRole('button', { name: /^Apply \d+ operations?$/ }).isDisabled(), true, 'Apply is disabled for a snapshot');
  await fresh.getByRole('tab', { name: 'Bicep' }).click();
  assert.ok(await fresh.locator('#export-panel pre').count() >= 1, 'exports still work');
  assert.deepEqual(errors, []);
  assert.deepEqual(freshErrors, []);
  await context.close();
});

test('a view link restores the tab and selection in a fresh browser and carries no token', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await openDemo(page);
  const results = new Results(page);
  await results.tab('Matrix').click();
  await page.locator('#mx-0-0').click();
  const heading = page.getByRole('complementary', { name: 'Details' }).getByRole('heading', { name: /^Can .* pull from .*\?$/ });
  await heading.waitFor();
  const title = await heading.innerText();
  const share = new Share(page);
  await share.copyLink.click();
  await share.status.filter({ hasText: 'Link copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(link.startsWith(`${server.url.replace(/\/$/, '')}/#view=matrix&src=demo&sel=access:`), link);
  assert.doesNotMatch(link, /token|bearer|eyJ|code=|secret|password/i);
  await screenshot(page, 'share-link');

  // Another browser opens the link: it restores the Matrix tab and the selected cell.
  const other = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const fresh = await other.newPage();
  const freshErrors = collectErrors(fresh);
  await fresh.goto(link);
  // A demo view link opens the demo by itself: no click.
  await new Results(fresh).heading.waitFor();
  await fresh.getByRole('tab', { name: 'Matrix', selected: true }).waitFor();
  await fresh.getByRole('complementary', { name: 'Details' }).getByRole('heading', { name: title }).waitFor();
  assert.equal(new URL(fresh.url()).hash, '', 'the fragment is cleared once used');

  // A fragment that is not a view link is ignored.
  const third = await other.newPage();
  await third.goto(`${server.url}#view-source-notes`);
  await new Landing(third).exploreDemo.click();
  await new Results(third).heading.waitFor();
  assert.equal(await third.getByRole('tab', { name: 'Graph' }).getAttribute('aria-selected'), 'true');
  assert.deepEqual(errors, []);
  assert.deepEqual(freshErrors, []);
  await other.close();
  await context.close();
});
