/**
 * The support desk end to end, in browsers against the real server's queue engine: customers
 * start chats from the portal, the rep console offers them (a row, a sound, a notification),
 * a rejected chat is offered to the next rep, and an accepted one becomes a tab whose session
 * is end-to-end encrypted without a code to compare: both sides say "not verified" until the
 * safety code is confirmed.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';

const queueURL = `http://127.0.0.1:${SERVERS.deskQueue}`;
const contexts: BrowserContext[] = [];

test.afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

async function open(browser: Browser, path: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ baseURL: queueURL, locale });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(path);
  return page;
}

/** A rep console in open mode, named `name`. */
async function repConsole(browser: Browser, name: string): Promise<Page> {
  const rep = await open(browser, '/rep');
  await rep.getByLabel('Your name').fill(name);
  await expect(rep.getByRole('heading', { name: 'Waiting chats' })).toBeVisible();
  return rep;
}

/** A customer asks for a chat from the portal. */
async function requestChat(browser: Browser, name: string): Promise<Page> {
  const page = await open(browser, '/support');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Problem description').fill(`${name}: the printer prints blank pages`);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
  return page;
}

const row = (rep: Page, name: string) => rep.getByTestId('queue-row').filter({ hasText: name });

test('explore', async ({ browser }) => {
  const amy = await repConsole(browser, 'Amy');
  const ada = await requestChat(browser, 'Ada');
  await expect(row(amy, 'Ada')).toBeVisible();
  await amy.screenshot({ path: '/tmp/x/offer.png' });
  await row(amy, 'Ada').getByRole('button', { name: 'Accept' }).click();
  await expect(amy.getByRole('tab', { name: /Ada/ })).toBeVisible();
  await amy.waitForTimeout(3000);
  await amy.screenshot({ path: '/tmp/x/accepted-rep.png' });
  await ada.screenshot({ path: '/tmp/x/accepted-customer.png' });
});
