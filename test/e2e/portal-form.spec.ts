/**
 * The customer portal (/support) before the queue: form checks (translated, inline, nothing lost
 * on reload), the customer agreement and its refusal, and the French portal. Runs against the
 * desk test server (test/e2e/desk-portal.config.json: two queues, an agreement, recording consent).
 */
import { expect, test, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';

const deskURL = `http://127.0.0.1:${SERVERS.desk}`;
test.use({ baseURL: deskURL });

async function fillForm(page: Page, values: { name?: string; email?: string; description?: string }): Promise<void> {
  if (values.name !== undefined) await page.getByLabel('Name').fill(values.name);
  if (values.email !== undefined) await page.getByLabel('E-mail').fill(values.email);
  if (values.description !== undefined) await page.getByLabel('Problem description').fill(values.description);
}

test('form errors are shown inline, on the fields, and a reload keeps what was typed', async ({ page }) => {
  await page.goto('/support');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect(page.getByText('Please enter your name.')).toBeVisible();
  await expect(page.getByText('Please describe your problem.')).toBeVisible();
  await expect(page.getByText('Please choose a topic.')).toBeVisible();
  await expect(page.getByLabel('Name')).toBeFocused();
  await expect(page.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

  await fillForm(page, { name: 'Ada', email: 'ada@nowhere', description: 'x'.repeat(1001) });
  await page.getByLabel('Topic').selectOption({ label: 'Billing' });
  await expect(page.getByText('1001 of 1000 characters')).toBeVisible();
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect(page.getByText(/does not look like an e-mail address/)).toBeVisible();
  await expect(page.getByText(/The description is too long/)).toBeVisible();
  await expect(page.getByLabel('E-mail')).toBeFocused();
  await expect(page.getByText('Please enter your name.')).toHaveCount(0);

  await page.reload();
  await expect(page.getByLabel('Name')).toHaveValue('Ada');
  await expect(page.getByLabel('E-mail')).toHaveValue('ada@nowhere');
  await expect(page.getByLabel('Problem description')).toHaveValue('x'.repeat(1001));
  await expect(page.getByLabel('Topic')).toHaveValue('billing');
});

test('?queue= preselects the queue', async ({ page }) => {
  await page.goto('/support?queue=billing');
  await expect(page.getByLabel('Topic')).toHaveValue('billing');
});

test('refusing the agreement ends the request with nothing sent, and Start over keeps the text', async ({ page }) => {
  const desk: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (frame) => typeof frame.payload === 'string' && frame.payload.includes('desk-') && desk.push(frame.payload)));
  await page.goto('/support?queue=general');
  await fillForm(page, { name: 'Ada', description: 'My invoice is wrong' });
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect(page.getByRole('heading', { name: 'Before we start' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'our privacy notice' })).toHaveAttribute('href', 'https://example.org/privacy');
  await page.screenshot({ path: '/tmp/portal-shots/en-agreement.png', fullPage: true });
  await page.getByRole('button', { name: 'I do not agree' }).click();
  await expect(page.getByRole('heading', { name: 'No chat was started' })).toBeVisible();
  await expect(page.getByText(/nothing was sent to the support team/)).toBeVisible();
  await page.screenshot({ path: '/tmp/portal-shots/en-refused.png', fullPage: true });
  expect(desk).toEqual([]);
  await page.getByRole('button', { name: 'Start over' }).click();
  await expect(page.getByLabel('Problem description')).toHaveValue('My invoice is wrong');
  await page.screenshot({ path: '/tmp/portal-shots/en-form.png', fullPage: true });
});

test('the French portal: labels, errors, agreement and consent questions', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: deskURL, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/support?lang=fr');
  await expect(page.getByRole('heading', { name: 'Discuter avec le support' })).toBeVisible();
  await page.getByRole('button', { name: 'Démarrer la discussion' }).click();
  await expect(page.getByText('Veuillez indiquer votre nom.')).toBeVisible();
  await expect(page.getByText('Veuillez décrire votre problème.')).toBeVisible();
  await page.screenshot({ path: '/tmp/portal-shots/fr-form-errors.png', fullPage: true });
  await page.getByLabel('Nom').fill('Ada');
  await page.getByLabel('Description du problème').fill('Ma facture est fausse');
  await page.getByLabel('Sujet').selectOption({ label: 'Billing' });
  await page.getByRole('button', { name: 'Démarrer la discussion' }).click();
  await expect(page.getByRole('heading', { name: 'Avant de commencer' })).toBeVisible();
  await page.screenshot({ path: '/tmp/portal-shots/fr-agreement.png', fullPage: true });
  await page.getByRole('button', { name: 'J’accepte' }).click();
  await expect(page.getByRole('heading', { name: 'Pouvons-nous garder une transcription ?' })).toBeVisible();
  await page.screenshot({ path: '/tmp/portal-shots/fr-consent.png', fullPage: true });
  // The language switch goes back to English without losing anything.
  await page.getByLabel('Langue').selectOption('en');
  await expect(page.getByRole('heading', { name: 'May we keep a transcript?' })).toBeVisible();
  await context.close();
});
