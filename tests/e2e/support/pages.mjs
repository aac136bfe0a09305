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
