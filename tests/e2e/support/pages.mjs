// Page objects: how a person finds things on each screen (roles and names, not CSS).
export class Landing {
  constructor(page) { this.page = page; }
  async open(url) { await this.page.goto(url); await this.exploreDemo.waitFor(); }
  get signIn() { return this.page.getByRole('button', { name: 'Sign in with Microsoft' }); }
  get exploreDemo() { return this.page.getByRole('button', { name: 'Explore the demo tenant' }); }
}

export class Inventory {
  constructor(page) { this.page = page; }
  get heading() { return this.page.getByRole('heading', { name: 'Inventory', level: 2 }); }
  // The results screen opens on another tab; this waits for it and switches to the inventory.
  async show() { await new Results(this.page).tab('Inventory').click(); await this.heading.waitFor(); }
  get table() { return this.page.getByRole('table', { name: 'Resources found' }); }
  row(name) { return this.table.getByRole('row').filter({ has: this.page.getByRole('cell', { name, exact: true }) }); }
}

export class Results {
  constructor(page) { this.page = page; }
  get heading() { return this.page.getByRole('heading', { name: 'Who can pull from which registry', level: 1 }); }
  tab(name) { return this.page.getByRole('tab', { name, exact: true }); }
}

export class Subscriptions {
  constructor(page) { this.page = page; }
  get heading() { return this.page.getByRole('heading', { name: 'Choose what to scan', level: 1 }); }
  subscription(id) { return this.page.getByRole('checkbox', { name: new RegExp(id) }); }
  get scan() { return this.page.getByRole('button', { name: /^Scan \d+ subscription/ }); }
}

export class Tray {
  constructor(page) { this.page = page; }
  get region() { return this.page.getByRole('region', { name: 'Pending changes' }); }
  get review() { return this.region.getByRole('button', { name: /^Review \d+ changes?$/ }); }
}

export class PlanReview {
  constructor(page) { this.page = page; }
  get heading() { return this.page.getByRole('heading', { name: 'Review changes', level: 1 }); }
  get apply() { return this.page.getByRole('button', { name: /^Apply \d+ operations?$/ }); }
  get permissionsOk() { return this.page.getByText('Your permissions allow every operation.'); }
  get outcome() { return this.page.locator('.apply-box [role=alert].outcome'); }
  get paused() { return this.page.getByRole('alert').filter({ hasText: 'Paused: your sign-in has ended.' }); }
  async stages() { return this.page.locator('ol.ops .stage').allInnerTexts(); }
}

/// Findings → Fix all → Review: the plan screen with its permission check passed.
export async function reviewAllFixes(page) {
  await new Results(page).tab('Findings').click();
  await page.getByRole('button', { name: 'Fix all' }).click();
  await new Tray(page).review.click();
  const plan = new PlanReview(page);
  await plan.heading.waitFor();
  await plan.permissionsOk.waitFor();
  return plan;
}

/// Names of the demo tenant that must not be on screen once signed out.
export const DEMO_TENANT_TEXT = ['acrmlprod', 'mlw-prod', 'aks-inference', '11111111-1111-1111-1111-111111111111', 'Ada Lovelace'];
