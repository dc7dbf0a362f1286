import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

declare global {
  interface Window {
    __animations: string[];
    __tones: number;
  }
}

test('a nudge reaches the customer (log, flashing title, shake, sound); the rep waits out the cooldown', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  // Record what the customer's page does that a person would see or hear.
  await pair.customerContext.addInitScript(() => {
    window.__animations = [];
    window.__tones = 0;
    document.addEventListener('animationstart', (e) => window.__animations.push(e.animationName), true);
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args: Parameters<OscillatorNode['start']>) {
      window.__tones++;
      return start.apply(this, args);
    };
  });
  const { rep, customer } = pair;
  await rep.goto('/rep');
  await rep.getByLabel('Your name').fill('Sam');
  await rep.getByLabel('Your name').press('Tab'); // saved on change, kept for the session
  await connectPair(pair, 'Ada');
  const nudge = rep.getByRole('button', { name: 'Nudge' });
  await expect(nudge).toBeEnabled();

  await nudge.click();
  const clickedAt = Date.now();
  await expect(rep.getByRole('log')).toContainText('You nudged Ada.');
  await expect(nudge).toBeDisabled();
  await expect(nudge).toContainText(/[1-5] s/); // the visible countdown

  await expect(customer.getByRole('log')).toContainText('Sam nudged you.');
  await expect(customer).toHaveTitle('Sam nudged you');
  await expect(customer).toHaveTitle('Parley — remote support'); // alternates, then settles: this page is in front
  expect(await customer.evaluate(() => window.__animations.some((name) => name.includes('nudge-shake')))).toBe(true);
  expect(await customer.evaluate(() => window.__tones)).toBeGreaterThan(0);

  // The button comes back after the 5 s cooldown, not before.
  await expect(nudge).toBeEnabled({ timeout: 10_000 });
  expect(Date.now() - clickedAt).toBeGreaterThanOrEqual(4_000);
  await expect(nudge).not.toContainText(/\d s/);

  // With reduced motion the chat does not move: it glows.
  await customer.emulateMedia({ reducedMotion: 'reduce' });
  await customer.evaluate(() => (window.__animations = []));
  await nudge.click();
  await expect(customer.getByRole('log').getByText('Sam nudged you.')).toHaveCount(2);
  await expect.poll(() => customer.evaluate(() => window.__animations)).toEqual([expect.stringContaining('nudge-glow')]);
});

test('the customer has no Nudge button; a rep does only once connected', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await pair.rep.goto('/rep');
  await pair.rep.getByRole('button', { name: 'Start session' }).first().click();
  await expect(pair.rep.getByRole('button', { name: 'Nudge' })).toBeDisabled();
  await pair.rep.getByRole('button', { name: 'End session' }).click();
  await pair.rep.getByRole('button', { name: 'Yes, end it' }).click();
  await connectPair(pair);
  await expect(pair.rep.getByRole('button', { name: 'Nudge' })).toBeEnabled();
  await expect(pair.customer.getByRole('button', { name: 'Nudge' })).toHaveCount(0);
});
