import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, connectPair, openPair, sendMessage, startSession, type Pair } from './fixtures.ts';

// The main test server reads test/e2e/parley.config.json: Greetings, Imprimantes › Pilotes, Closing.
let pair: Pair;
test.afterEach(async () => closePair(pair));

test('canned messages: search ignoring case and accents, insert for editing, nothing sent until Send', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;
  const box = rep.getByLabel('Message', { exact: true });
  const dialog = rep.getByRole('dialog', { name: 'Canned messages' });

  await rep.getByRole('button', { name: 'Messages' }).click();
  await expect(dialog).toBeVisible();
  const search = dialog.getByRole('searchbox', { name: 'Search messages' });
  await expect(search).toBeFocused();
  await expect(dialog.getByRole('treeitem', { name: 'Greetings' })).toHaveAttribute('aria-expanded', 'false');
  await expect(dialog.getByRole('treeitem', { name: 'Welcome' })).toHaveCount(0); // inside a closed category

  // No accent and upper case still find "Réinstaller le pilote", two categories down.
  await search.fill('REINSTALLER');
  await expect(dialog.getByRole('status')).toHaveText('1 result');
  await expect(dialog.getByRole('treeitem', { name: 'Imprimantes' })).toHaveAttribute('aria-expanded', 'true');
  await expect(dialog.getByRole('treeitem')).toHaveCount(3); // Imprimantes › Pilotes › the message
  await search.press('ArrowDown');
  await expect(dialog.getByRole('treeitem', { name: 'Imprimantes' })).toBeFocused();
  await rep.keyboard.press('ArrowDown');
  await rep.keyboard.press('ArrowDown');
  await expect(dialog.getByRole('treeitem', { name: 'Réinstaller le pilote' })).toBeFocused();
  await rep.keyboard.press('Enter');

  await expect(dialog).toBeHidden();
  await expect(box).toHaveValue('Désinstallez le pilote, redémarrez, puis réinstallez-le.');
  await expect(box).toBeFocused();
  await box.press('End');
  await box.pressSequentially(' Merci !');
  // Inserting sent nothing: the customer has no message yet.
  await expect(customer.getByRole('log')).not.toContainText('Désinstallez');
  await rep.getByRole('button', { name: 'Send' }).click();
  await expect(customer.getByRole('log')).toContainText('Désinstallez le pilote, redémarrez, puis réinstallez-le. Merci !');
  await expect(box).toHaveValue('');

  // Search by a word of the text; no match says so; a click inserts at the cursor, BBCode kept for editing.
  await box.fill('Hi Ada! ');
  await rep.getByRole('button', { name: 'Messages' }).click();
  await expect(search).toHaveValue(''); // a fresh search each time
  await search.fill('nothing like this');
  await expect(dialog.getByRole('status')).toHaveText('Nothing matches “nothing like this”.');
  await search.fill('help');
  await expect(dialog.getByRole('status')).toHaveText('2 results');
  await dialog.getByRole('treeitem', { name: 'Welcome' }).click();
  await expect(box).toHaveValue("Hi Ada! Hello, I'm [b]Sam[/b] from support. How can I help?");
  await sendMessage(rep, "Hi Ada! Hello, I'm [b]Sam[/b] from support. How can I help?");
  await expect(customer.getByRole('log').locator('strong', { hasText: 'Sam' })).toBeVisible();
});

test('canned messages: browse with the arrow keys; a scripted URL goes in the box for Push URL; Escape closes', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;
  const box = rep.getByLabel('Message', { exact: true });
  const dialog = rep.getByRole('dialog', { name: 'Canned messages' });
  const opener = rep.getByRole('button', { name: 'Messages' });

  await opener.click();
  const search = dialog.getByRole('searchbox', { name: 'Search messages' });
  await search.press('ArrowDown');
  const greetings = dialog.getByRole('treeitem', { name: 'Greetings' });
  await expect(greetings).toBeFocused();
  await rep.keyboard.press('ArrowRight');
  await expect(greetings).toHaveAttribute('aria-expanded', 'true');
  await rep.keyboard.press('ArrowDown');
  await rep.keyboard.press('ArrowDown');
  await expect(dialog.getByRole('treeitem', { name: 'One moment' })).toBeFocused();
  await rep.keyboard.press('ArrowLeft'); // to the parent
  await expect(greetings).toBeFocused();
  await rep.keyboard.press('ArrowLeft'); // closes it
  await expect(greetings).toHaveAttribute('aria-expanded', 'false');
  await rep.keyboard.press('End');
  await expect(dialog.getByRole('treeitem', { name: 'Closing' })).toBeFocused();

  // Escape closes and gives focus back to the button; nothing was inserted.
  await rep.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await expect(box).toHaveValue('');

  // Type, Enter: the first match goes in. A URL is ready for Push URL.
  await opener.click();
  await search.fill('telechargements');
  await search.press('Enter');
  await expect(box).toHaveValue('https://support.example.com/pilotes');
  await expect(customer.getByRole('heading', { name: 'Your support rep wants to show you a page' })).toHaveCount(0);
  const opened = pair.customerContext.waitForEvent('page', { timeout: 3_000 }).catch(() => null);
  await rep.getByRole('button', { name: 'Push URL' }).click();
  await expect(customer.getByRole('heading', { name: 'Your support rep wants to show you a page' })).toBeVisible();
  await expect(rep.getByRole('log')).toContainText('You sent a page to open: https://support.example.com/pilotes');
  await (await opened)?.close();

  // A backdrop click closes too.
  await opener.click();
  await expect(dialog).toBeVisible();
  await rep.mouse.click(5, 5);
  await expect(dialog).toBeHidden();
});

test('canned messages: with none configured the dialog says so and tells the admin what to do', async ({ browser }) => {
  // The tampering server has no config file; nobody joins, so its tampering never matters.
  pair = await openPair(browser, `http://127.0.0.1:${SERVERS.tamper}`);
  await startSession(pair.rep);
  await pair.rep.getByRole('button', { name: 'Messages' }).click();
  const dialog = pair.rep.getByRole('dialog', { name: 'Canned messages' });
  await expect(dialog.getByText('No canned messages are set up yet.')).toBeVisible();
  await expect(dialog).toContainText('add CANNED_MESSAGES to the server’s config file');
  await expect(dialog.getByRole('tree')).toHaveCount(0);
});
