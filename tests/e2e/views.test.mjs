// The matrix, findings and detail views end to end on the demo tenant: sorting and filtering,
// the explanation chain of a cell, every change that can be asked for from them (fix, grant
// pull by keyboard only, revoke, admin user), portal links; and a snapshot whose names are
// HTML and script, which must show as text and never run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveDist } from './support/server.mjs';
import { launch, collectErrors, screenshot } from './support/browser.mjs';
import { Landing, Results } from './support/pages.mjs';

let server, browser;
before(async () => { server = await serveDist(process.env.PULLPATH_TEST_DIST ?? 'dist-test'); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

// Page objects for the views of this file.
class Matrix {
  constructor(page) { this.page = page; }
  async show() { await new Results(this.page).tab('Matrix').click(); await this.grid.waitFor(); }
  get grid() { return this.page.getByRole('grid', { name: 'Access by identity and registry' }); }
  get identityFilter() { return this.page.getByLabel('Identity', { exact: true }); }
  get registryFilter() { return this.page.getByLabel('Registry', { exact: true }); }
  get kind() { return this.page.getByLabel('Kind', { exact: true }); }
  get onlyProblems() { return this.page.getByLabel('Only problems'); }
  get sortBy() { return this.page.getByLabel('Sort by', { exact: true }); }
  get direction() { return this.page.getByRole('button', { name: /^Order: / }); }
  get summary() { return this.page.locator('.matrix-view [role=status]'); }
  async identities() { return this.grid.getByRole('rowheader').locator('button.link').allInnerTexts(); }
  cell(row, col) { return this.page.locator(`#mx-${row}-${col}`); }
  registryHeader(name) { return this.grid.getByRole('columnheader').getByRole('button', { name, exact: true }); }
}

class Findings {
  constructor(page) { this.page = page; }
  async show() { await new Results(this.page).tab('Findings').click(); await this.heading.waitFor(); }
  get heading() { return this.page.getByRole('heading', { name: 'Findings', level: 2 }); }
  rule(id) { return this.page.locator('section.rule-group').filter({ has: this.page.locator('h3 code', { hasText: id }) }); }
  get filter() { return this.page.getByRole('group', { name: 'Filter findings' }); }
  async count() { return this.page.locator('li.finding').count(); }
  get status() { return this.page.locator('.findings-view [role=status]'); }
  get fixAll() { return this.page.getByRole('button', { name: 'Fix all' }); }
}

class Detail {
  constructor(page) { this.page = page; }
  get panel() { return this.page.getByRole('complementary', { name: 'Details' }); }
  get status() { return this.panel.locator('[role=status]'); }
  get close() { return this.panel.getByRole('button', { name: 'Close details' }); }
}

async function openDemo(page) {
  const landing = new Landing(page);
  await landing.open(server.url);
  await landing.exploreDemo.click();
  await new Results(page).heading.waitFor();
}

test('findings are grouped by rule and place, filter, and Fix adds their changes to the pending list', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const findings = new Findings(page);
  await findings.show();
  // One group per rule, most severe first; a small tenant's groups start open.
  const rules = await page.locator('.rule-group h3').allInnerTexts();
  assert.ok(rules.length >= 4, `several rules: ${rules}`);
  const order = ['HIGH', 'MEDIUM', 'LOW', 'INFO'];
  const seen = rules.map((g) => order.findIndex((o) => g.replace(/^\W+/, '').toUpperCase().startsWith(o)));
  assert.ok(seen.every((i) => i >= 0), `every group names its worst severity: ${rules}`);
  assert.deepEqual(seen, [...seen].sort(), 'most severe first');
  assert.ok(rules.every((r) => /\d+ findings?/.test(r)), `each rule counts its findings: ${rules}`);
  const total = await findings.count();
  const summary = await page.locator('.findings-view .summary').innerText();
  assert.match(summary, new RegExp(`^${total} findings? \\(.*\\) under ${rules.length} rules`), summary);
  // Under a rule, its findings by resource group and subscription.
  const admin = findings.rule('acr-admin-user-enabled');
  assert.match(await admin.locator('h4').first().innerText(), /^\W*rg-[\w-]+ in (subscription )?.+ · \d+ findings?/);

  // A finding links to the Azure portal page of its resource.
  const link = page.locator('li.finding a[target=_blank]').first();
  assert.match(await link.getAttribute('href'), /^https:\/\/portal\.azure\.com\/#@\/resource\/subscriptions\/[^/]+\/resourceGroups\//);
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  await screenshot(page, 'findings');

  // Filters: severities, words, only fixable; the summary says how many of all are shown.
  await findings.filter.getByRole('checkbox', { name: /^High/ }).uncheck();
  assert.ok(await page.locator('li.finding.sev-high').count() === 0 && await findings.count() < total, 'high findings hidden');
  assert.match(await page.locator('.findings-view .summary').innerText(), new RegExp(`of ${total} findings shown`));
  await findings.filter.getByRole('checkbox', { name: /^High/ }).check();
  await findings.filter.getByRole('searchbox').fill('acr-admin-user');
  await page.waitForFunction(() => document.querySelectorAll('.rule-group').length === 1);
  await screenshot(page, 'findings-filtered');
  await findings.filter.getByRole('searchbox').fill('');
  await findings.filter.getByRole('checkbox', { name: 'Only with an automatic fix' }).check();
  const fixable = await page.locator('li.finding').evaluateAll((lis) => lis.every((li) => [...li.querySelectorAll('.fix button')].some((b) => b.textContent === 'Fix')));
  assert.ok(fixable, 'every finding shown has a fix');
  await findings.filter.getByRole('checkbox', { name: 'Only with an automatic fix' }).uncheck();

  // A group closes and opens again.
  const disclosure = admin.locator('h3 button');
  await disclosure.click();
  assert.equal(await disclosure.getAttribute('aria-expanded'), 'false');
  assert.equal(await admin.locator('li.finding').count(), 0, 'a closed group draws no findings');
  await disclosure.click();
  assert.equal(await disclosure.getAttribute('aria-expanded'), 'true');

  // One finding's Fix.
  const ready = await page.locator('li.finding').evaluateAll((lis) => lis.findIndex((li) => [...li.querySelectorAll('button')].some((b) => b.textContent === 'Fix' && !b.disabled)));
  assert.ok(ready >= 0, 'a finding has a fix');
  const fix = page.locator('li.finding').nth(ready);
  await fix.getByRole('button', { name: 'Fix', exact: true }).click();
  await assert.doesNotReject(findings.status.filter({ hasText: /Added \d+ changes? to the pending changes/ }).waitFor());
  await fix.getByRole('button', { name: 'Pending' }).waitFor();
  assert.equal(await fix.getByRole('button', { name: 'Pending' }).isDisabled(), true);

  // A rule's Fix says how many changes it adds before adding them.
  const group = admin.locator('.group-head').first().locator('button.fix-group');
  const label = await group.getAttribute('aria-label');
  const m = label.match(/: (\d+) changes?$/);
  assert.ok(m, `the group's Fix names its size: ${label}`);
  const trayBefore = await page.locator('.tray-list > li').count();
  await group.click();
  await findings.status.filter({ hasText: `Added ${m[1]} change` }).waitFor();
  assert.equal(await page.locator('.tray-list > li').count(), trayBefore + Number(m[1]), 'the tray gained exactly that many');
  assert.equal(await group.isDisabled(), true);

  // A finding's related node opens in the detail panel.
  await page.locator('li.finding .related button').first().click();
  const detail = new Detail(page);
  await detail.panel.getByRole('heading', { level: 2 }).waitFor();
  await detail.close.click();
  assert.equal(await page.locator('aside.detail').evaluate((e) => e.children.length), 0, 'closing empties the panel');
  assert.equal(await page.locator('aside.detail').isVisible(), false, 'an empty panel is hidden');

  await findings.fixAll.click();
  await findings.status.filter({ hasText: /Added \d+ changes? to the pending changes/ }).waitFor();
  assert.equal(await findings.fixAll.isDisabled(), true, 'nothing left to fix');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the matrix sorts and filters, and a cell explains itself', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const matrix = new Matrix(page);
  await matrix.show();
  const byName = await matrix.identities();
  assert.ok(byName.length >= 5, `rows: ${byName}`);
  assert.deepEqual(byName, [...byName].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())), 'sorted by name');
  await screenshot(page, 'matrix');

  await matrix.direction.click();
  assert.deepEqual(await matrix.identities(), [...byName].reverse(), 'descending reverses');
  await matrix.direction.click();
  await matrix.sortBy.selectOption('kind');
  const byKind = await matrix.identities();
  assert.notDeepEqual(byKind, byName, 'sorting by kind changes the order');
  const kinds = await matrix.grid.locator('th.who .kind').allInnerTexts();
  assert.deepEqual(kinds, [...kinds].sort(), 'grouped by kind');
  await matrix.sortBy.selectOption('name');

  await matrix.identityFilter.fill('cluster');
  await matrix.summary.filter({ hasText: new RegExp(`^\\d+ of ${byName.length} identities`) }).waitFor();
  const filtered = await matrix.identities();
  assert.ok(filtered.length > 0 && filtered.length < byName.length, `filtered: ${filtered}`);
  assert.ok(filtered.every((n) => n.includes('cluster')), `only matches: ${filtered}`);
  await matrix.identityFilter.fill('');

  await matrix.onlyProblems.check();
  const problems = await matrix.identities();
  assert.ok(problems.length > 0 && problems.length < byName.length, `problems: ${problems}`);
  await matrix.onlyProblems.uncheck();
  // The demo's one pull the roles allow and the network blocks: vision-cluster, in
  // mlw-secure's managed network, to acrvision (public access off, no outbound rule).
  const blockedOnly = page.getByLabel('Only allowed by roles, blocked by network');
  await blockedOnly.check();
  await matrix.summary.filter({ hasText: new RegExp(`^1 of ${byName.length} identities`) }).waitFor();
  assert.deepEqual(await matrix.identities(), ['vision-cluster'], 'only the blocked pull\'s identity');
  await screenshot(page, 'matrix-network-blocked');
  await blockedOnly.uncheck();
  await matrix.summary.filter({ hasText: new RegExp(`^${byName.length} of ${byName.length} identities`) }).waitFor();
  // The demo's build has no connection, so nobody pulls its base image; vision-train:1 runs as
  // is on vision-cluster, the one used pull.
  const usedOnly = page.getByLabel('Only pulls actually used');
  await usedOnly.check();
  await matrix.summary.filter({ hasText: new RegExp(`^1 of ${byName.length} identities`) }).waitFor();
  assert.deepEqual(await matrix.identities(), ['vision-cluster'], 'only the used pull\'s identity');
  await usedOnly.uncheck();
  await matrix.summary.filter({ hasText: new RegExp(`^${byName.length} of ${byName.length} identities`) }).waitFor();

  // The ABAC registry: the user's AcrPull there is shown, and shown as ignored.
  await matrix.registryFilter.fill('acrteamabac');
  await matrix.kind.selectOption('user');
  assert.deepEqual(await matrix.grid.getByRole('columnheader').locator('button').allInnerTexts(), ['acrteamabac']);
  await matrix.cell(0, 0).click();
  const detail = new Detail(page);
  await detail.panel.getByRole('heading', { name: /^Can .* pull from acrteamabac\?$/ }).waitFor();
  const chain = await detail.panel.locator('ol.paths').innerText();
  assert.match(chain, /ignored by ABAC mode/);
  assert.match(chain, /AcrPull/);
  assert.match(chain, /✗ ignored/);
  assert.match(await detail.panel.innerText(), /Pull\s*✗ no/);
  await screenshot(page, 'detail-access');

  // Revoke that assignment: it goes to the pending changes.
  await detail.panel.getByRole('button', { name: 'Revoke AcrPull' }).click();
  await detail.status.filter({ hasText: /^Added to the pending changes: Remove AcrPull on acrteamabac from / }).waitFor();

  // A pull a workload needs carries the network's verdict too: the compute reaches its
  // workspace registry, which allows public network access.
  await matrix.kind.selectOption('');
  await matrix.registryFilter.fill('acrmlprod');
  await matrix.identityFilter.fill('cpu-cluster');
  await matrix.summary.filter({ hasText: /^1 of \d+ identities/ }).waitFor();
  await matrix.cell(0, 0).click();
  await detail.panel.getByRole('heading', { name: 'Can cpu-cluster pull from acrmlprod?' }).waitFor();
  await detail.panel.getByRole('heading', { name: 'Network', level: 3 }).waitFor();
  const net = await detail.panel.locator('ul.network').innerText();
  assert.match(net, /^cpu-cluster: reachable/, net);
  assert.match(net, /acrmlprod allows public network access/, net);
  await screenshot(page, 'detail-network');

  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'matrix-dark');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the matrix shows a group and, expanded, the members that hold its access', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const matrix = new Matrix(page);
  await matrix.show();
  const before = await matrix.identities();
  const toggle = matrix.grid.getByRole('button', { name: /^Show the \d+ members? of ml-image-pullers$/ });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  const hide = matrix.grid.getByRole('button', { name: /^Hide the \d+ members? of ml-image-pullers$/ });
  await hide.waitFor();
  assert.equal(await hide.getAttribute('aria-expanded'), 'true');
  const members = await matrix.grid.locator('th.who.member button.link').allInnerTexts();
  assert.ok(members.includes('Dana Whitfield'), `members: ${members}`);
  const kinds = await matrix.grid.locator('th.who.member .kind').allInnerTexts();
  assert.ok(kinds.every((k) => k.endsWith('member of ml-image-pullers')), `${kinds}`);
  // The members come right after their group, and every row keeps its own place too.
  const after = await matrix.identities();
  const at = after.indexOf('ml-image-pullers');
  assert.deepEqual(after.slice(at + 1, at + 1 + members.length), members);
  assert.equal(after.length, before.length + members.length);
  await matrix.summary.filter({ hasText: new RegExp(`^${before.length} of ${before.length} identities`) }).waitFor();
  await screenshot(page, 'matrix-group-expanded');
  await hide.click();
  assert.deepEqual(await matrix.identities(), before, 'collapsed again');
  assert.deepEqual(errors, []);
  await page.close();
});

test('pull can be granted with the keyboard alone', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const matrix = new Matrix(page);
  await matrix.show();
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e.tagName, role: e.getAttribute('role'), id: e.id, text: e.textContent, label: e.labels?.[0]?.textContent ?? '' };
  });
  const tabTo = async (pred, what) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (pred(await focused())) return;
    }
    assert.fail(`Tab never reached ${what}`);
  };
  await page.getByRole('tab', { name: 'Matrix' }).focus();
  await tabTo((f) => f.tag === 'INPUT' && f.label === 'Registry', 'the registry filter');
  await page.keyboard.type('acrteamabac');
  await tabTo((f) => f.role === 'gridcell', 'the grid');
  // Walk down to the user whose AcrPull the ABAC registry ignores.
  const kinds = await matrix.grid.locator('th.who .kind').allInnerTexts();
  const target = kinds.indexOf('user');
  assert.ok(target >= 0, `the user is a row: ${kinds}`);
  for (let i = 0; i < target; i++) {
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((id) => document.activeElement?.id === id, `mx-${i + 1}-0`);
  }
  await page.keyboard.press('Enter');
  const detail = new Detail(page);
  await detail.panel.getByRole('heading', { name: /pull from acrteamabac\?$/ }).waitFor();
  await tabTo((f) => f.tag === 'BUTTON' && f.text === 'Grant pull', 'Grant pull');
  await page.keyboard.press('Enter');
  await detail.status.filter({ hasText: 'Added to the pending changes: Grant Container Registry Repository Reader' }).waitFor();
  // Arrow keys move by cells, and the tab stop follows.
  await page.getByRole('tab', { name: 'Matrix' }).focus();
  await matrix.registryFilter.fill('');
  await tabTo((f) => f.role === 'gridcell', 'the grid');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.activeElement?.id === 'mx-0-1');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.id === 'mx-1-1');
  assert.equal(await matrix.cell(1, 1).getAttribute('tabindex'), '0');
  assert.deepEqual(errors, []);
  await page.close();
});

// On a narrow window some registries are outside the drawn window of columns: reaching one
// scrolls the grid, which draws another window. Focus must stay on the header or cell reached,
// never fall back to the page, whether moved by Tab or by the arrow keys.
test('every header and cell of the matrix is reached by keyboard with columns off-screen', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const matrix = new Matrix(page);
  await matrix.show();
  const cols = Number(await matrix.grid.getAttribute('aria-colcount')) - 1;
  const rows = Number(await matrix.grid.getAttribute('aria-rowcount')) - 1;
  const drawnCols = await matrix.grid.locator('thead th[aria-colindex]').count();
  assert.ok(drawnCols < cols, `some columns are not drawn at this width: ${drawnCols} of ${cols}`);
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    const grid = document.querySelector('[role=grid]');
    return {
      inGrid: !!grid && grid.contains(e), tag: e.tagName, id: e.id, text: e.textContent,
      col: e.closest('th[scope=col]')?.getAttribute('aria-colindex') ?? null,
      rowHeader: e.closest('th[scope=row]') ? e.closest('tr').getAttribute('aria-rowindex') : null,
    };
  });
  // A key, then two frames: the scroll it caused has been handled and the new window drawn.
  const press = async (key) => {
    await page.keyboard.press(key);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return focused();
  };
  const say = (f) => JSON.stringify({ ...f, text: f.text.slice(0, 40) });

  // Tab from the last control before the grid: every column header in order, …
  await matrix.direction.focus();
  for (let c = 0; c < cols; c++) {
    const f = await press('Tab');
    assert.ok(f.inGrid && f.col === String(c + 2) && f.tag === 'BUTTON', `Tab ${c + 1} is on column header ${c + 1} of ${cols}: ${say(f)}`);
  }
  // … then the first row's header (its members toggle, if any, and its name), then the
  // grid's one tab stop among the cells: in that row, and in view after the scroll.
  let f = await press('Tab');
  for (let i = 0; i < 2 && f.rowHeader === '2'; i++) f = await press('Tab');
  assert.ok(f.inGrid && /^mx-0-\d+$/.test(f.id), `after the first row's header, a cell of that row: ${say(f)}`);
  const box = await page.evaluate((id) => {
    const r = document.getElementById(id).getBoundingClientRect(), s = document.querySelector('.matrix-scroll').getBoundingClientRect();
    return { left: r.left, right: r.right, sLeft: s.left, sRight: s.right };
  }, f.id);
  assert.ok(box.left >= box.sLeft && box.right <= box.sRight, `the tab stop is in view: ${JSON.stringify(box)}`);
  f = await press('Home');
  assert.ok(f.inGrid && f.id === 'mx-0-0', `Home goes to the row's first cell: ${say(f)}`);

  // Arrows: right along the first row to its last cell, up to that column's header, left
  // along the headers to the first, and down into the first cell again.
  for (let c = 1; c < cols; c++) {
    f = await press('ArrowRight');
    assert.ok(f.inGrid && f.id === `mx-0-${c}`, `ArrowRight reaches cell ${c + 1}: ${say(f)}`);
  }
  f = await press('ArrowUp');
  assert.ok(f.inGrid && f.col === String(cols + 1), `ArrowUp from the first row is on its column header: ${say(f)}`);
  for (let c = cols - 2; c >= 0; c--) {
    f = await press('ArrowLeft');
    assert.ok(f.inGrid && f.col === String(c + 2), `ArrowLeft reaches column header ${c + 1}: ${say(f)}`);
  }
  f = await press('ArrowDown');
  assert.ok(f.inGrid && f.id === 'mx-0-0', `ArrowDown from a header is on its first cell: ${say(f)}`);

  // A scroll by pointer that carries the focused cell out of the drawn window: focus is put
  // on the cell that now takes Tab, in view, and not left on the page.
  await page.evaluate(async () => {
    const s = document.querySelector('.matrix-scroll');
    s.scrollLeft = s.scrollWidth;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  assert.equal(await matrix.cell(0, 0).count(), 0, 'the first cell is no longer drawn');
  f = await focused();
  assert.ok(f.inGrid && /^mx-0-\d+$/.test(f.id), `focus stays on a cell of the row: ${say(f)}`);
  assert.equal(await matrix.cell(0, Number(f.id.split('-')[2])).getAttribute('tabindex'), '0');

  // Tab from the cell on down the grid: every following row's header, in order.
  const seen = [];
  for (let i = 0; i < 2 * rows && seen.at(-1) !== String(rows + 1); i++) {
    f = await press('Tab');
    assert.ok(f.inGrid && f.rowHeader !== null, `Tab ${i + 1} after the cell is on a row header: ${say(f)}`);
    if (seen.at(-1) !== f.rowHeader) seen.push(f.rowHeader);
  }
  assert.deepEqual(seen, Array.from({ length: rows - 1 }, (_, r) => String(r + 3)), 'every row header, in order');

  // Shift+Tab back up through the rows, the first cell and the first row's header onto the
  // headers (the last one drawn: the window is at the left again), then along them to the
  // first; Enter there is the header's own button: it opens that registry.
  for (let i = 0; i < 3 * rows && (i === 0 || f.col === null); i++) {
    f = await press('Shift+Tab');
    assert.ok(f.inGrid, `Shift+Tab ${i + 1} stays in the grid: ${say(f)}`);
  }
  assert.ok(f.col !== null, `Shift+Tab comes back onto a column header: ${say(f)}`);
  for (let c = Number(f.col) - 3; c >= 0; c--) {
    f = await press('Shift+Tab');
    assert.ok(f.inGrid && f.col === String(c + 2), `Shift+Tab reaches column header ${c + 1}: ${say(f)}`);
  }
  await page.keyboard.press('Enter');
  await new Detail(page).panel.getByRole('heading', { name: f.text, exact: true, level: 2 }).waitFor();
  await screenshot(page, 'matrix-keyboard-narrow');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a registry shows its settings, portal link and admin-user toggle', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openDemo(page);
  const matrix = new Matrix(page);
  await matrix.show();
  await matrix.registryHeader('acrmlprod').click();
  const detail = new Detail(page);
  await detail.panel.getByRole('heading', { name: 'acrmlprod', level: 2 }).waitFor();
  const text = await detail.panel.innerText();
  assert.match(text, /Login server\s*acrmlprod\.azurecr\.io/);
  assert.match(text, /Permissions mode\s*Legacy registry permissions/);
  assert.match(text, /Who can pull from it/);
  const id = await detail.panel.locator('dd.id').first().innerText();
  assert.match(id, /^\/subscriptions\/.*\/providers\/Microsoft\.ContainerRegistry\/registries\/acrmlprod$/);
  const portal = detail.panel.getByRole('link', { name: 'Open in the Azure portal' });
  assert.equal(await portal.getAttribute('href'), `https://portal.azure.com/#@/resource${id}`);
  assert.equal(await portal.getAttribute('target'), '_blank');
  assert.equal(await portal.getAttribute('rel'), 'noopener noreferrer');
  const toggle = detail.panel.getByRole('button', { name: /^(Disable|Enable) admin user$/ });
  const label = await toggle.innerText();
  await toggle.click();
  const verb = label.startsWith('Disable') ? 'Disable' : 'Enable';
  await detail.status.filter({ hasText: `Added to the pending changes: ${verb} the admin user of acrmlprod.` }).waitFor();
  assert.match(text, /Images pulled from it\s*No environment, job or deployment read in this scan uses an image on this registry\./, text);

  // The private base registry lists the environment that is really built on it.
  await matrix.registryHeader('acrprivate').click();
  await detail.panel.getByRole('heading', { name: 'acrprivate', level: 2 }).waitFor();
  await detail.panel.getByRole('heading', { name: 'Images pulled from it', level: 3 }).waitFor();
  const used = await detail.panel.locator('ul.used-by li').allInnerTexts();
  assert.deepEqual(used, ['environment training-base:3 of workspace mlw-prod is built on acrprivate.azurecr.io/base/python-cuda:3.11']);
  await screenshot(page, 'detail-registry-used-by');

  // The secure workspace's registry lists its environment and the job that ran it, on its compute.
  await matrix.registryHeader('acrvision').click();
  await detail.panel.getByRole('heading', { name: 'acrvision', level: 2 }).waitFor();
  await detail.panel.getByRole('heading', { name: 'Images pulled from it', level: 3 }).waitFor();
  assert.deepEqual(await detail.panel.locator('ul.used-by li').allInnerTexts(), [
    "environment vision-train:1 of workspace mlw-secure runs acrvision.azurecr.io/vision/train:1.0 as is on its workspace's computes",
    'job vision-train-1130 ran acrvision.azurecr.io/vision/train:1.0 as is on compute vision-cluster (environment vision-train:1 of workspace mlw-secure)',
  ]);
  await screenshot(page, 'detail-registry-used-by-job');
  assert.deepEqual(errors, []);
  await page.close();
});

// A snapshot whose names and tags are markup. Nothing of it may run, and it shows as text.
const IMG = '<img src=x onerror=window.__pwned=1>';
const SCRIPT = '<script>window.__pwned=1</script>';
const RG = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-evil';
const REG_ID = `${RG}/providers/Microsoft.ContainerRegistry/registries/${IMG}`;
const UAI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-evil`;
const PRINCIPAL = 'cccccccc-0000-4000-8000-00000000000c';
const hostile = {
  resources: [
    { id: REG_ID, name: IMG, type: 'Microsoft.ContainerRegistry/registries', location: 'westeurope', tags: { [IMG]: SCRIPT },
      sku: { name: SCRIPT }, properties: { loginServer: 'evil.azurecr.io', adminUserEnabled: true, anonymousPullEnabled: false } },
    { id: UAI_ID, name: SCRIPT, type: 'Microsoft.ManagedIdentity/userAssignedIdentities', location: 'westeurope', tags: { [SCRIPT]: IMG },
      properties: { principalId: PRINCIPAL, clientId: 'dddddddd-0000-4000-8000-00000000000d', tenantId: '00000000-0000-0000-0000-0000000000aa' } },
    { id: `${REG_ID}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-4000-8000-00000000000e`, name: 'eeeeeeee-0000-4000-8000-00000000000e',
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { roleDefinitionId: '/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d',
        principalId: PRINCIPAL, principalType: 'ServicePrincipal', scope: REG_ID, description: SCRIPT } },
  ],
};

test('a pull the role allows and the network blocks is drawn apart, with words, in the graph', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  // A truth case: gpu-cluster may pull from acrprivate, but its peering is only Initiated.
  const truthCase = JSON.parse(fs.readFileSync(path.resolve('core/tests/truth/network/peering-must-be-connected.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'blocked.json');
  fs.writeFileSync(file, JSON.stringify(truthCase.snapshot));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  const results = new Results(page);
  await results.heading.waitFor();
  await results.tab('Graph').click();
  const blocked = page.locator('.graph-canvas g.edge[data-kind=networkBlocked]');
  await blocked.first().waitFor();
  assert.equal(await blocked.count(), 1);
  const title = await blocked.locator('title').textContent();
  assert.match(title, /blocked by network/, title);
  assert.match(title, /gpu-cluster/, title);
  const dash = await blocked.locator('path.edge-line').getAttribute('stroke-dasharray');
  assert.notEqual(await blocked.locator('path.edge-line').getAttribute('stroke'), '#c53030', 'not the red of a pull RBAC denies');
  const missing = page.locator('.graph-canvas g.edge[data-kind=missing] path.edge-line');
  if (await missing.count()) assert.notEqual(dash, await missing.first().getAttribute('stroke-dasharray'), 'not drawn like an RBAC-denied pull');
  assert.match(await page.getByRole('list', { name: 'Legend: line styles' }).innerText(), /the network blocks it/);
  await screenshot(page, 'graph-network-blocked');
  assert.deepEqual(errors, []);
  await page.close();
});

test('only pulls actually used: the computes and endpoints that run an image, whether the pull works or not', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const fixture = JSON.parse(fs.readFileSync(path.resolve('core/tests/scenarios/demand-as-is-and-deployment.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'demand.json');
  fs.writeFileSync(file, JSON.stringify(fixture.snapshot));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  await new Results(page).heading.waitFor();
  const matrix = new Matrix(page);
  await matrix.show();
  const all = await matrix.identities();
  await page.getByLabel('Only pulls actually used').check();
  await matrix.summary.filter({ hasText: /^4 of 4 identities/ }).waitFor();
  assert.deepEqual((await matrix.identities()).sort(), ['cpu-denied', 'cpu-ok', 'ep-demand', 'ep-ok']);
  // Every identity of this tenant runs an image; the demo's matrix test shows the filter
  // leaving identities out.
  assert.equal(all.length, 4, `${all}`);
  await screenshot(page, 'matrix-used-only');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a job whose compute cannot pull its image is listed with the job, its status and the grant that fixes it', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const fixture = JSON.parse(fs.readFileSync(path.resolve('core/tests/scenarios/demand-jobs.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'jobs.json');
  fs.writeFileSync(file, JSON.stringify(fixture.snapshot));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  const results = new Results(page);
  await results.heading.waitFor();
  await results.tab('Findings').click();
  const finding = page.locator('li.finding').filter({ hasText: 'Job nightly-41 (nightly scoring) of workspace mlw-demand (status Failed)' });
  await finding.waitFor();
  const text = await finding.innerText();
  assert.match(text, /on compute cpu-denied, as does 1 other job read, so the compute pulls image acrimagesx\.azurecr\.io\/scoring\/app:4 from acrimagesx/, text);
  // The environment's own finding no longer speaks for cpu-denied: the job's does.
  assert.equal(await page.locator('li.finding').filter({ hasText: 'Environment scorer:4 runs image' }).count(), 0);
  await finding.screenshot({ path: 'tests/e2e/output/finding-job-image.png' });
  await finding.getByRole('button', { name: 'Fix', exact: true }).click();
  const tray = page.getByRole('region', { name: 'Pending changes' });
  await tray.waitFor();
  assert.match(await tray.getByRole('listitem').first().innerText(), /^Grant AcrPull on acrimagesx to cpu-denied/);
  await screenshot(page, 'findings-job-image');
  assert.deepEqual(errors, []);
  await page.close();
});

test('names that are HTML or script show as text and never run', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'hostile.json');
  fs.writeFileSync(file, JSON.stringify(hostile));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  const results = new Results(page);
  await results.heading.waitFor();
  const pwned = () => page.evaluate(() => window.__pwned);

  for (const tab of ['Graph', 'Matrix', 'Findings', 'Inventory']) {
    await results.tab(tab).click();
    await page.waitForTimeout(100);
    assert.equal(await pwned(), undefined, `nothing ran on the ${tab} tab`);
    assert.equal(await page.locator('main img, main script').count(), 0, `no markup from data on the ${tab} tab`);
  }

  const matrix = new Matrix(page);
  await matrix.show();
  assert.deepEqual(await matrix.identities(), [SCRIPT]);
  await matrix.registryHeader(IMG).waitFor();
  await matrix.cell(0, 0).click();
  const detail = new Detail(page);
  await detail.panel.getByRole('heading', { name: `Can ${SCRIPT} pull from ${IMG}?` }).waitFor();
  await matrix.registryHeader(IMG).click();
  await detail.panel.getByRole('heading', { name: IMG, level: 2 }).waitFor();
  assert.match(await detail.panel.innerText(), new RegExp(`SKU\\s*${SCRIPT.replace(/[/()]/g, '\\$&')}`));
  const href = await detail.panel.getByRole('link', { name: 'Open in the Azure portal' }).getAttribute('href');
  assert.ok(href.startsWith('https://portal.azure.com/#@/resource/subscriptions/') && !/[<> ]/.test(href), href);
  await matrix.grid.getByRole('rowheader').getByRole('button').click();
  await detail.panel.getByRole('heading', { name: SCRIPT, level: 2 }).waitFor();

  const findings = new Findings(page);
  await findings.show();
  await page.getByText(IMG, { exact: true }).first().waitFor();
  await page.locator('li.finding .meta button').first().click();
  await detail.panel.getByRole('heading', { name: IMG, level: 2 }).waitFor();

  assert.equal(await pwned(), undefined);
  assert.equal(await page.locator('main img, main script, aside img, aside script').count(), 0);
  await screenshot(page, 'hostile-names');
  assert.deepEqual(errors.filter((e) => !/Content Security Policy/.test(e)), []);
  await page.close();
});

// A tenant of 2,000 identities and 300 registries: the matrix draws only the rows and
// columns in view, and scrolling redraws the window quickly.
function bigSnapshot(identities, registries) {
  const sub = '00000000-0000-0000-0000-0000000000b1';
  const rg = `/subscriptions/${sub}/resourceGroups/rg-big`;
  const hex = (n, w = 12) => n.toString(16).padStart(w, '0');
  const resources = [];
  for (let r = 0; r < registries; r++) {
    resources.push({ id: `${rg}/providers/Microsoft.ContainerRegistry/registries/acr${hex(r, 4)}`, name: `acr${hex(r, 4)}`, type: 'Microsoft.ContainerRegistry/registries',
      location: 'westeurope', properties: { loginServer: `acr${hex(r, 4)}.azurecr.io`, adminUserEnabled: false } });
  }
  for (let i = 0; i < identities; i++) {
    const principal = `aaaaaaaa-0000-4000-8000-${hex(i)}`;
    resources.push({ id: `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-${hex(i, 5)}`, name: `id-${hex(i, 5)}`,
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities', location: 'westeurope', properties: { principalId: principal, clientId: `bbbbbbbb-0000-4000-8000-${hex(i)}` } });
    for (const r of [i % registries, (i * 7 + 3) % registries, (i * 13 + 5) % registries]) {
      const scope = `${rg}/providers/Microsoft.ContainerRegistry/registries/acr${hex(r, 4)}`;
      const name = `cccccccc-${hex(r, 4)}-4000-8000-${hex(i)}`;
      resources.push({ id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, type: 'Microsoft.Authorization/roleAssignments',
        properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
          principalId: principal, principalType: 'ServicePrincipal', scope } });
    }
  }
  return { resources };
}

test('a large tenant: the matrix draws a window and scrolls smoothly', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pullpath-')), 'big.json');
  fs.writeFileSync(file, JSON.stringify(bigSnapshot(2000, 300)));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  await new Results(page).heading.waitFor({ timeout: 60000 });
  const matrix = new Matrix(page);
  await matrix.show();
  assert.equal(await matrix.grid.getAttribute('aria-rowcount'), '2001');
  assert.equal(await matrix.grid.getAttribute('aria-colcount'), '301');
  const drawn = async () => page.evaluate(() => ({ rows: document.querySelectorAll('table.matrix tbody tr[aria-rowindex]').length, cells: document.querySelectorAll('table.matrix td[role=gridcell]').length }));
  const first = await drawn();
  assert.ok(first.rows > 5 && first.rows < 60, `rows drawn: ${first.rows}`);
  assert.ok(first.cells < 60 * 20, `cells drawn: ${first.cells}`);
  // Scroll to the far end: the last identity and the last registry are drawn, with no more cells.
  const ms = await page.evaluate(async () => {
    const el = document.querySelector('.matrix-scroll');
    const t0 = performance.now();
    el.scrollTop = el.scrollHeight; el.scrollLeft = el.scrollWidth;
    el.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  });
  assert.ok(ms < 500, `redraw took ${ms} ms`);
  await matrix.grid.locator('tr[aria-rowindex="2001"]').waitFor();
  await matrix.grid.locator('th[aria-colindex="301"]').waitFor();
  const last = await drawn();
  assert.ok(last.rows < 60 && last.cells < 60 * 20, JSON.stringify(last));
  await screenshot(page, 'matrix-large');

  assert.deepEqual(errors, []);
  await page.close();
});

// 600 findings over 3 subscriptions and 30 resource groups: the Findings tab opens on the
// groups with their counts, draws no finding until a group is opened, and then a page of them.
test('a large tenant: findings are grouped and drawn only when opened', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  const resources = [];
  for (let s = 0; s < 3; s++) {
    const sub = `00000000-0000-0000-0000-0000000000c${s}`;
    for (let g = 0; g < 10; g++) {
      for (let r = 0; r < 10; r++) {
        const name = `acr${s}${g}${r}`;
        resources.push({ id: `/subscriptions/${sub}/resourceGroups/rg-${g}/providers/Microsoft.ContainerRegistry/registries/${name}`, name, type: 'Microsoft.ContainerRegistry/registries',
          location: 'westeurope', properties: { loginServer: `${name}.azurecr.io`, adminUserEnabled: true, anonymousPullEnabled: true } });
      }
    }
  }
  const file = path.join(os.tmpdir(), `pullpath-findings-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ resources }));
  const landing = new Landing(page);
  await landing.open(server.url);
  await page.locator('input[type=file]').setInputFiles(file);
  await new Results(page).heading.waitFor({ timeout: 60000 });
  await new Results(page).tab('Findings').click();
  const summary = await page.locator('.findings-view .summary').innerText();
  assert.match(summary, /^600 findings \(.*\) under 2 rules/, summary);
  assert.equal(await page.locator('li.finding').count(), 0, 'nothing drawn before a group opens');
  const rules = await page.locator('.rule-group h3').allInnerTexts();
  assert.ok(rules.every((r) => /300 findings in 3 subscriptions/.test(r)), `${rules}`);
  const rule = page.locator('section.rule-group').first();
  await rule.locator('h3 button').click();
  assert.equal(await rule.locator('h4').count(), 30, 'one place per resource group and subscription');
  assert.equal(await page.locator('li.finding').count(), 0, 'places start closed too');
  // A place's Fix says its size before anything is drawn.
  const label = await rule.locator('section.place button.fix-group').first().getAttribute('aria-label');
  assert.match(label, /: 10 changes$/, label);
  await rule.locator('h4 button').first().click();
  assert.equal(await rule.locator('li.finding').count(), 10, 'the opened place draws its findings');
  await screenshot(page, 'findings-large');
  assert.deepEqual(errors, []);
  fs.unlinkSync(file);
  await page.close();
});
