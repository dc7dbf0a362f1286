/**
 * The rep console with several sessions at once: one tab per customer, drafts kept per tab,
 * unread badges, a close that asks first while the customer is connected, every live session
 * rejoined after a reload, and the elapsed-time icon changing colour.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { joinByTyping, separatePages } from './fixtures.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

const pages = separatePages();
const page = pages.open;
test.afterEach(() => pages.closeAll());

/** The shown tab's panel (hidden panels are not in the accessibility tree). */
const shown = (rep: Page) => rep.getByRole('tabpanel');

/** Starts a code session in a new tab and has `customer` join it as `name`. */
async function connect(rep: Page, customer: Page, name: string): Promise<void> {
  await rep.getByRole('button', { name: 'Start session' }).click();
  const code = shown(rep).getByTestId('session-code');
  await expect(code).toHaveText(/\d{3}-\d{3}\s?\d{3}/);
  await joinByTyping(customer, (await code.textContent())!.trim(), name);
  await expect(rep.getByRole('tab', { name: new RegExp(name) })).toBeVisible();
  await expect(shown(rep).getByTestId('connection-status')).toContainText('Connected');
  await expect(customer.getByTestId('connection-status')).toContainText('Connected');
}

async function say(page: Page | Locator, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(box).toHaveValue('');
}

test('two customers in two tabs: messages go to the right one, drafts stay per tab, unread badges, arrows switch tabs, closing a connected tab asks first', async ({ browser, baseURL }) => {
  const rep = await page(browser, baseURL);
  const ada = await page(browser, baseURL);
  const bob = await page(browser, baseURL);
  await rep.goto('/rep');
  await expect(rep.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');

  await connect(rep, ada, 'Ada');
  await connect(rep, bob, 'Bob');
  const adaTab = rep.getByRole('tab', { name: /Ada/ });
  const bobTab = rep.getByRole('tab', { name: /Bob/ });
  await expect(bobTab).toHaveAttribute('aria-selected', 'true');

  // Each tab talks to its own customer.
  await say(shown(rep), 'hello Bob');
  await expect(bob.getByRole('log')).toContainText('hello Bob');
  await adaTab.click();
  await say(shown(rep), 'hello Ada');
  await expect(ada.getByRole('log')).toContainText('hello Ada');
  await expect(ada.getByRole('log')).not.toContainText('hello Bob');
  await expect(bob.getByRole('log')).not.toContainText('hello Ada');

  // Drafts stay with their tab.
  await shown(rep).getByLabel('Message', { exact: true }).fill('half-written answer for Ada');
  await bobTab.click();
  await expect(shown(rep).getByLabel('Message', { exact: true })).toHaveValue('');
  await shown(rep).getByLabel('Message', { exact: true }).fill('draft for Bob');
  await adaTab.click();
  await expect(shown(rep).getByLabel('Message', { exact: true })).toHaveValue('half-written answer for Ada');
  await bobTab.click();
  await expect(shown(rep).getByLabel('Message', { exact: true })).toHaveValue('draft for Bob');

  // A message in a background tab: counted on that tab, and announced.
  await say(ada, 'are you still there?');
  await expect(adaTab.getByTestId('unread-badge')).toHaveText(/1/);
  await expect(adaTab).toHaveAccessibleName(/1 unread/);
  await expect(rep.getByRole('status').filter({ hasText: 'New message from Ada in another tab.' })).toHaveCount(1);
  // Arrow keys move between tabs (History, Ada, Bob); showing Ada's clears the count.
  await bobTab.focus();
  await rep.keyboard.press('ArrowLeft');
  await expect(adaTab).toHaveAttribute('aria-selected', 'true');
  await expect(adaTab).toBeFocused();
  await expect(adaTab.getByTestId('unread-badge')).toHaveCount(0);
  await expect(shown(rep).getByRole('log')).toContainText('are you still there?');
  await rep.keyboard.press('Home');
  await expect(rep.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');
  await rep.keyboard.press('End');
  await expect(bobTab).toHaveAttribute('aria-selected', 'true');

  // Closing Bob's tab while he is connected asks first; Cancel keeps it.
  await rep.getByRole('button', { name: 'Close Bob' }).click();
  const dialog = rep.getByRole('alertdialog');
  await expect(dialog).toContainText('Bob is still connected. Close this tab and end the session?');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(bobTab).toBeVisible();
  await expect(bob.getByTestId('connection-status')).toContainText('Connected');
  await rep.getByRole('button', { name: 'Close Bob' }).click();
  await rep.getByRole('alertdialog').getByRole('button', { name: 'Close and end the session' }).click();
  await expect(bobTab).toHaveCount(0);
  await expect(bob.getByTestId('connection-status')).toContainText('Session ended');
  await expect(adaTab).toHaveAttribute('aria-selected', 'true');
  await expect(ada.getByTestId('connection-status')).toContainText('Connected');

  // An ended session's tab closes without asking.
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(adaTab).toContainText('ended');
  await rep.getByRole('button', { name: 'Close Ada' }).click();
  await expect(rep.getByRole('alertdialog')).toHaveCount(0);
  await expect(adaTab).toHaveCount(0);
  await expect(rep.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');
});

test('a reload of the console rejoins every live session, each in its tab with its transcript', async ({ browser, baseURL }) => {
  const rep = await page(browser, baseURL);
  const ada = await page(browser, baseURL);
  const bob = await page(browser, baseURL);
  await rep.goto('/rep');
  await connect(rep, ada, 'Ada');
  await say(shown(rep), 'first, Ada');
  await connect(rep, bob, 'Bob');
  await say(shown(rep), 'then, Bob');

  await rep.reload();
  const adaTab = rep.getByRole('tab', { name: /Ada/ });
  const bobTab = rep.getByRole('tab', { name: /Bob/ });
  await expect(bobTab).toHaveAttribute('aria-selected', 'true'); // the tab that was shown
  await expect(shown(rep).getByTestId('connection-status')).toContainText('Connected');
  await expect(shown(rep).getByRole('log')).toContainText('then, Bob');
  await adaTab.click();
  await expect(shown(rep).getByTestId('connection-status')).toContainText('Connected');
  await expect(shown(rep).getByRole('log')).toContainText('first, Ada');

  // Both still talk, each to their own.
  await say(shown(rep), 'back, Ada');
  await expect(ada.getByRole('log')).toContainText('back, Ada');
  await say(ada, 'welcome back');
  await expect(shown(rep).getByRole('log')).toContainText('welcome back');
  await bobTab.click();
  await say(shown(rep), 'back, Bob');
  await expect(bob.getByRole('log')).toContainText('back, Bob');
});

test.describe('elapsed time since the rep last wrote', () => {
  // Amber after 2 s, red after 4 s: a server of our own with these thresholds.
  const port = SERVERS.main + 31; // +30 is the accounts server
  let server: ServerProcess | null = null;
  test.beforeAll(async () => {
    server = await startServerProcess(port, { PARLEY_TEST_ELAPSED: '2,4' });
  });
  test.afterAll(async () => {
    await server?.kill();
  });

  test('the tab icon turns amber, then red, and back to green when the rep writes; it says so in words too', async ({ browser }) => {
    const base = `http://127.0.0.1:${port}`;
    const rep = await page(browser, base);
    const ada = await page(browser, base);
    await rep.goto('/rep');
    await rep.getByRole('button', { name: 'Start session' }).click();
    const tab = rep.getByRole('tab', { name: /Code/ });
    const icon = tab.getByTestId('elapsed-icon');
    await expect(icon).toHaveAttribute('data-level', 'idle'); // nobody to answer yet
    await expect(icon).toHaveAccessibleName('Not timed: the customer is not connected');

    const code = (await shown(rep).getByTestId('session-code').textContent())!.trim();
    await joinByTyping(ada, code, 'Ada');
    await expect(shown(rep).getByTestId('connection-status')).toContainText('Connected');
    const adaIcon = rep.getByRole('tab', { name: /Ada/ }).getByTestId('elapsed-icon');
    await expect(adaIcon).toHaveAttribute('data-level', 'ok');
    const green = await adaIcon.evaluate((el) => getComputedStyle(el).color);
    await expect(adaIcon).toHaveAttribute('data-level', 'amber');
    await expect(adaIcon).toHaveAccessibleName(/reply soon/);
    const amber = await adaIcon.evaluate((el) => getComputedStyle(el).color);
    await expect(adaIcon).toHaveAttribute('data-level', 'red');
    await expect(adaIcon).toHaveAccessibleName(/overdue/);
    const red = await adaIcon.evaluate((el) => getComputedStyle(el).color);
    expect(new Set([green, amber, red]).size).toBe(3);

    await say(shown(rep), 'sorry for the wait');
    await expect(adaIcon).toHaveAttribute('data-level', 'ok');
    await expect(adaIcon).toHaveAccessibleName(/^Time since you last wrote: \d+\s?s$/);
  });
});
