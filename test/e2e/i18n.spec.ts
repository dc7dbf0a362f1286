import { expect, test } from '@playwright/test';
import { closePair, openPair, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('French browsers get French, and the switch changes language', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!, { locale: 'fr-FR' });
  const { rep, customer } = pair;
  await customer.goto('/');
  await expect(customer.getByLabel('Code de session')).toBeVisible();
  await expect(customer.getByRole('button', { name: 'Rejoindre' })).toBeVisible();
  await customer.getByLabel('Code de session').fill('12');
  await customer.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(customer.getByRole('alert')).toContainText('Ce n’est pas un code de session');

  await customer.getByLabel('Langue').selectOption('en');
  await expect(customer.getByRole('button', { name: 'Join' })).toBeVisible();
  await expect(customer.locator('html')).toHaveAttribute('lang', 'en');

  await rep.goto('/rep');
  await expect(rep.getByRole('button', { name: 'Démarrer une session' }).first()).toBeVisible();
  await rep.getByRole('button', { name: 'Démarrer une session' }).first().click();
  await expect(rep.getByTestId('connection-status')).toContainText('En attente du client');
});
