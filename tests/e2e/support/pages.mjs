// Page objects: how a person finds things on each screen (roles and names, not CSS).
export class Landing {
  constructor(page) { this.page = page; }
  async open(url) { await this.page.goto(url); await this.exploreDemo.waitFor(); }
  get exploreDemo() { return this.page.getByRole('button', { name: 'Explore the demo tenant' }); }
}

export class Inventory {
  constructor(page) { this.page = page; }
  get heading() { return this.page.getByRole('heading', { name: 'Inventory', level: 1 }); }
  get table() { return this.page.getByRole('table', { name: 'Resources found' }); }
  row(name) { return this.table.getByRole('row').filter({ has: this.page.getByRole('cell', { name, exact: true }) }); }
}
