/** A rep page and a customer page joined in one Parley session, for the benchmarks. */
import type { Browser, Page } from '@playwright/test';

export interface BenchPair {
  rep: Page;
  customer: Page;
  close: () => Promise<void>;
}

/**
 * Opens both pages, starts a session, joins it and waits until both say Connected.
 * `prepare` runs on each page before it loads (init scripts, exposed functions).
 */
export async function openSession(browser: Browser, base: string, prepare?: (page: Page) => Promise<void>): Promise<BenchPair> {
  const repCtx = await browser.newContext();
  const custCtx = await browser.newContext();
  // tsx keeps function names with a `__name` helper that the page does not have.
  for (const ctx of [repCtx, custCtx]) await ctx.addInitScript('window.__name = (f) => f');
  const rep = await repCtx.newPage();
  const customer = await custCtx.newPage();
  for (const page of [rep, customer]) await prepare?.(page);
  await rep.goto(`${base}/rep`);
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  const code = (await rep.getByTestId('session-code').filter({ hasText: /\d{3}-/ }).textContent())!.trim();
  await customer.goto(base);
  await customer.getByLabel('Session code').fill(code);
  await customer.getByRole('button', { name: 'Join' }).click();
  for (const page of [rep, customer]) await page.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
  return { rep, customer, close: async () => (await repCtx.close(), await custCtx.close()) };
}
