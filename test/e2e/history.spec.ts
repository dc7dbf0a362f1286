/**
 * The console's history: past sessions of this browser searched by customer name, words of
 * the conversation and dates; a past transcript reopened read-only in a tab and exported.
 * And the console in French.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { joinByTyping, separatePages } from './fixtures.ts';

const pages = separatePages();
const page = pages.open;
test.afterEach(() => pages.closeAll());

const shown = (rep: Page) => rep.getByRole('tabpanel');

/** A day as a date input takes it, in this machine's zone (the browser's too). */
function day(offsetDays: number): string {
  const date = new Date();
  date.setDate(date.getDate() + offsetDays);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** A whole session: connect, the customer says `line`, the rep ends it and closes its tab. */
async function pastSession(rep: Page, customer: Page, name: string, line: string, start = 'Start session', end = ['End session', 'Yes, end it']): Promise<void> {
  await rep.getByRole('button', { name: start }).click();
  const code = shown(rep).getByTestId('session-code');
  await expect(code).toHaveText(/\d{3}-\d{3}\s?\d{3}/);
  await joinByTyping(customer, (await code.textContent())!.trim(), name);
  await expect(rep.getByRole('tab', { name: new RegExp(name) })).toBeVisible();
  const box = customer.getByLabel('Message', { exact: true });
  await box.fill(line);
  await box.press('Enter');
  await expect(shown(rep).getByRole('log')).toContainText(line);
  await shown(rep).getByRole('button', { name: end[0] }).click();
  await shown(rep).getByRole('button', { name: end[1] }).click();
  await rep.getByRole('button', { name: new RegExp(`^(Close|Fermer) ${name}$`) }).click();
}

test('past sessions: search by customer, words and dates; reopen read-only in a tab; export', async ({ browser, baseURL }) => {
  const rep = await page(browser, baseURL);
  const ada = await page(browser, baseURL);
  const bob = await page(browser, baseURL);
  await rep.goto('/rep');
  await expect(shown(rep).getByText('No past sessions yet.', { exact: false })).toBeVisible();

  await pastSession(rep, ada, 'Ada Lovelace', 'My printer is on fire');
  await pastSession(rep, bob, 'Bob', 'Password reset, please');
  await expect(rep.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');
  const history = shown(rep);
  const rows = history.getByRole('row').filter({ has: rep.getByRole('cell') });
  await expect(history.getByRole('status')).toHaveText('2 of 2 sessions');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Bob'); // newest first

  // By customer name (case and accents ignored).
  await history.getByLabel('Customer name').fill('ADA');
  await expect(history.getByRole('status')).toHaveText('1 of 2 sessions');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Ada Lovelace');
  await history.getByRole('button', { name: 'Clear search' }).click();
  await expect(rows).toHaveCount(2);

  // By words of the conversation.
  await history.getByLabel('Words in the conversation').fill('password');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Bob');
  await history.getByLabel('Words in the conversation').fill('printer fire');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Ada Lovelace');
  await history.getByLabel('Words in the conversation').fill('');

  // By dates: today has both; tomorrow has none; a backwards range says why nothing matches.
  await history.getByLabel('From date').fill(day(0));
  await history.getByLabel('Until date').fill(day(0));
  await expect(rows).toHaveCount(2);
  await history.getByLabel('From date').fill(day(1));
  await expect(history.getByText('No session matches this search.')).toBeVisible();
  await expect(history.getByRole('alert')).toHaveText('The “from” date is after the “until” date: nothing can match.');
  await history.getByLabel('Until date').fill(day(3));
  await expect(history.getByText('No session matches this search.')).toBeVisible();
  await history.getByRole('button', { name: 'Clear search' }).click();
  await expect(rows).toHaveCount(2);

  // Export straight from the list (the existing formats).
  await history.getByLabel('Save as').selectOption('md');
  const download = rep.waitForEvent('download');
  await history.getByRole('button', { name: /^Export the transcript of Bob/ }).click();
  const markdown = await readFile((await (await download).path())!, 'utf8');
  expect(markdown).toContain('Password reset, please');
  expect(markdown).toContain('- **Queue:** Code session');
  expect(markdown).toContain('- **Customer:** Bob');

  // Reopen read-only in a tab.
  await history.getByRole('button', { name: /^Open the transcript of Ada Lovelace/ }).click();
  const tab = rep.getByRole('tab', { name: /Ada Lovelace/ });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(shown(rep).getByRole('heading', { name: /^Past session/ })).toBeVisible();
  await expect(shown(rep).getByRole('log')).toContainText('My printer is on fire');
  await expect(shown(rep).getByLabel('Message', { exact: true })).toHaveCount(0); // read-only
  await expect(shown(rep).getByTestId('details-panel')).toContainText('Code session');
  // Opening it again shows the same tab rather than a second one.
  await rep.getByRole('tab', { name: 'History' }).click();
  await expect(shown(rep).getByRole('row').filter({ hasText: 'Ada Lovelace' })).toContainText('open in a tab');
  await shown(rep).getByRole('button', { name: /^Open the transcript of Ada Lovelace/ }).click();
  await expect(rep.getByRole('tab', { name: /Ada Lovelace/ })).toHaveCount(1);
});

test('the console in French: tabs, details, elapsed icon, close confirmation and history', async ({ browser, baseURL }) => {
  const rep = await page(browser, baseURL, 'fr-FR');
  const zoe = await page(browser, baseURL); // the customer page in English: joinByTyping uses its labels
  await rep.goto('/rep');
  await expect(rep.getByRole('tab', { name: 'Historique' })).toHaveAttribute('aria-selected', 'true');
  await expect(shown(rep).getByRole('heading', { name: 'Sessions passées' })).toBeVisible();

  await rep.getByRole('button', { name: 'Démarrer une session' }).click();
  const code = shown(rep).getByTestId('session-code');
  await expect(code).toHaveText(/\d{3}-\d{3}\s?\d{3}/);
  await joinByTyping(zoe, (await code.textContent())!.trim(), 'Zoé');
  const tab = rep.getByRole('tab', { name: /Zoé/ });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(tab.getByTestId('elapsed-icon')).toHaveAccessibleName(/^Temps depuis votre dernier message/);
  const details = shown(rep).getByTestId('details-panel');
  await expect(details.getByRole('heading', { name: 'Détails de la session' })).toBeVisible();
  await expect(details).toContainText('Session par code');
  await expect(details).toContainText('Navigateur et système');

  await rep.getByRole('button', { name: 'Fermer Zoé' }).click();
  await expect(rep.getByRole('alertdialog')).toContainText('Zoé est toujours connecté(e). Fermer cet onglet et terminer la session ?');
  await rep.getByRole('button', { name: 'Fermer et terminer la session' }).click();
  await expect(tab).toHaveCount(0);
  await expect(shown(rep).getByRole('status')).toHaveText('1 sur 1 sessions');
  await expect(shown(rep).getByLabel('Mots de la conversation')).toBeVisible();
  await expect(shown(rep).getByRole('button', { name: /^Ouvrir la transcription de Zoé/ })).toBeVisible();
});
