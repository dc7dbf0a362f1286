/**
 * A Parley page opened over plain HTTP from another computer (not a secure context) says so in
 * the reader's language instead of failing in the middle of a session: Web Crypto, screen
 * sharing and notifications exist only in secure contexts. `parley.test` is mapped to the
 * loopback server, so Chromium treats it as an insecure remote origin.
 */
import { expect, test } from '@playwright/test';
import config, { SERVERS } from '../../playwright.config.ts';

const launch = config.use!.launchOptions!;
test.use({ launchOptions: { ...launch, args: [...(launch.args ?? []), '--host-resolver-rules=MAP parley.test 127.0.0.1'] } });

const INSECURE = `http://parley.test:${SERVERS.main}`;

test('over plain HTTP from another computer, the customer page and the rep console explain that HTTPS is needed', async ({ page }) => {
  await page.goto(`${INSECURE}/`);
  expect(await page.evaluate(() => isSecureContext)).toBe(false);
  await expect(page.getByRole('alert').getByRole('heading', { name: 'This page needs a secure connection' })).toBeVisible();
  await expect(page.getByText('Open the address that starts with https:// instead.')).toBeVisible();
  await expect(page.getByLabel('Session code')).toHaveCount(0); // nothing to start a session with
  await page.goto(`${INSECURE}/rep`);
  await expect(page.getByRole('heading', { name: 'This page needs a secure connection' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start session' })).toHaveCount(0);
  for (const path of ['/support/', '/rep/admin/']) {
    await page.goto(`${INSECURE}${path}`);
    await expect(page.getByRole('heading', { name: 'This page needs a secure connection' })).toBeVisible();
  }
});

test('the same explanation in French', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${INSECURE}/`);
  await expect(page.getByRole('heading', { name: 'Cette page exige une connexion sécurisée' })).toBeVisible();
  await expect(page.getByText('Ouvrez plutôt l’adresse qui commence par https://.')).toBeVisible();
  await context.close();
});

test('the same pages on a secure origin (localhost) show the app', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByLabel('Session code')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'This page needs a secure connection' })).toHaveCount(0);
});
