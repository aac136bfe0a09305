// Accessibility: axe-core on every screen (landing, setup help, each results tab, the detail
// panel, the pending-changes tray, plan review with each export tab, apply done), in the light and the dark theme. Serious and critical violations fail the test and
// are printed one per line with the elements they concern.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serveDist } from './support/server.mjs';
import { launch } from './support/browser.mjs';
import { Landing, Results } from './support/pages.mjs';

const DIST = process.env.PULLPATH_TEST_DIST ?? 'dist-test';
const AXE = path.resolve('node_modules/axe-core/axe.min.js');
let app, setupApp, browser;

before(async () => {
  app = await serveDist(DIST);
  setupApp = await serveDist(DIST, { overrides: { '/config.json': null } });
  browser = await launch();
});
after(async () => { await browser?.close(); await app?.close(); await setupApp?.close(); });

/// A page whose CSP lets the test add axe's script (the app's own CSP forbids it, rightly).
async function newPage(colorScheme) {
  const context = await browser.newContext({ bypassCSP: true, colorScheme, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  return { page, close: () => context.close() };
}

async function audit(page, screen) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.flatMap((v) => v.nodes.map((n) => `  [${v.impact}] ${v.id}: ${v.help}\n      at ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n\s*/g, ' ')}`));
  assert.equal(report.length, 0, `${screen}: axe found ${report.length} serious or critical problem(s):\n${report.join('\n')}`);
}

async function openDemo(page) {
  const landing = new Landing(page);
  await landing.open(app.url);
  await landing.exploreDemo.click();
  await new Results(page).heading.waitFor();
}

for (const scheme of ['light', 'dark']) {
  test(`landing page (${scheme})`, async () => {
    const { page, close } = await newPage(scheme);
    await new Landing(page).open(app.url);
    await audit(page, `landing, ${scheme}`);
    await close();
  });

  test(`setup help when config.json is missing (${scheme})`, async () => {
    const { page, close } = await newPage(scheme);
    await new Landing(page).open(setupApp.url);
    await page.getByRole('heading', { name: 'Set up sign-in' }).waitFor();
    await audit(page, `setup, ${scheme}`);
    await close();
  });

  for (const tab of ['Graph', 'Matrix', 'Findings', 'Inventory']) {
    test(`results, ${tab} tab (${scheme})`, async () => {
      const { page, close } = await newPage(scheme);
      await openDemo(page);
      const results = new Results(page);
      await results.tab(tab).click();
      await page.waitForFunction((t) => document.querySelector('[role=tab][aria-selected=true]')?.textContent === t, tab);
      await page.waitForTimeout(300);
      await audit(page, `${tab} tab, ${scheme}`);
      await close();
    });
  }

  test(`detail panel open on a matrix cell and on a registry (${scheme})`, async () => {
    const { page, close } = await newPage(scheme);
    await openDemo(page);
    await new Results(page).tab('Matrix').click();
    await page.locator('#mx-0-0').click();
    const detail = page.getByRole('complementary', { name: 'Details' });
    await detail.getByRole('heading', { level: 2 }).waitFor();
    await audit(page, `detail panel (access), ${scheme}`);
    await page.getByRole('grid').getByRole('columnheader').getByRole('button').first().click();
    await detail.getByRole('heading', { name: /^acr/, level: 2 }).waitFor();
    await audit(page, `detail panel (registry), ${scheme}`);
    await new Results(page).tab('Findings').click();
    await page.getByRole('button', { name: 'Details' }).first().click();
    await detail.getByRole('heading', { name: 'Finding', level: 2 }).waitFor();
    await audit(page, `detail panel (finding), ${scheme}`);
    await close();
  });

  test(`pending changes, plan review and apply (${scheme})`, async () => {
    const { page, close } = await newPage(scheme);
    await openDemo(page);
    await new Results(page).tab('Findings').click();
    await page.getByRole('button', { name: 'Fix all' }).click();
    const tray = page.getByRole('region', { name: 'Pending changes' });
    await tray.waitFor();
    await audit(page, `pending-changes tray, ${scheme}`);
    await tray.getByRole('button', { name: /^Review \d+ changes?$/ }).click();
    await page.getByRole('heading', { name: 'Review changes', level: 1 }).waitFor();
    await page.getByText('Your permissions allow every operation.').waitFor();
    await audit(page, `plan review, ${scheme}`);
    const formats = page.getByRole('tablist', { name: 'Export formats' });
    for (const name of await formats.getByRole('tab').allInnerTexts()) {
      await formats.getByRole('tab', { name: name.trim(), exact: true }).click();
      await audit(page, `plan review, ${name.trim()} export, ${scheme}`);
    }
    await page.getByRole('button', { name: /^Apply \d+ operations?$/ }).click();
    await page.getByRole('button', { name: 'Download journal' }).waitFor();
    await audit(page, `apply done, ${scheme}`);
    await close();
  });
}
