import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('the rep pushes a web page; the customer gets it opened or an Open link card; javascript: is refused', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;
  const box = rep.getByLabel('Message', { exact: true });

  // Refused on the rep's side, with the reason, and the text kept.
  for (const bad of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com/file', 'not a url']) {
    await box.fill(bad);
    await rep.getByRole('button', { name: 'Push URL' }).click();
    await expect(rep.getByRole('alert')).toContainText('Only a web address starting with http:// or https://');
    await expect(box).toHaveValue(bad);
  }
  await expect(customer.getByRole('heading', { name: 'Your support rep wants to show you a page' })).toHaveCount(0);

  const page = `${baseURL}/healthz`;
  const autoOpened = pair.customerContext.waitForEvent('page', { timeout: 3_000 }).catch(() => null);
  await box.fill(page);
  await rep.getByRole('button', { name: 'Push URL' }).click();
  await expect(box).toHaveValue('');
  await expect(rep.getByRole('log')).toContainText(`You sent a page to open: ${page}`);

  // Opened in a new tab when the browser allows it; the card is there either way.
  await expect(customer.getByRole('heading', { name: 'Your support rep wants to show you a page' })).toBeVisible();
  await expect(customer.getByRole('log')).toContainText(page);
  const opened = await autoOpened;
  if (opened) await expect(opened).toHaveURL(page);
  const popup = pair.customerContext.waitForEvent('page');
  await customer.getByRole('link', { name: 'Open link' }).click();
  await expect(await popup).toHaveURL(page);
});
