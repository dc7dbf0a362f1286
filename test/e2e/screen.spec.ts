import { expect, test, type Page } from '@playwright/test';
import { closePair, connectPair, openPair, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

/** Whether the video shows a moving picture: frames decoded and time advancing. */
async function isPlaying(page: Page): Promise<boolean> {
  const video = page.getByRole('region', { name: 'Customer screen' }).locator('video');
  return video.evaluate(async (el: HTMLVideoElement) => {
    const t0 = el.currentTime;
    await new Promise((r) => setTimeout(r, 400));
    return !el.paused && el.readyState >= 2 && el.videoWidth > 0 && el.currentTime > t0;
  });
}

test('the rep asks, the customer shares, the rep sees a playing video; the red button stops it on both sides', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await connectPair(pair);
  const region = rep.getByRole('region', { name: 'Customer screen' });
  await expect(region).toContainText('The customer is not sharing their screen.');

  await rep.getByRole('button', { name: 'Request screen' }).click();
  await expect(region).toContainText('Waiting for the customer to answer…');
  await expect(rep.getByRole('log')).toContainText('You asked Ada to share their screen.');
  await expect(customer.getByRole('heading', { name: /asks to see your screen/ })).toBeVisible();
  await expect(customer.getByRole('log')).toContainText('asks to see your screen.');

  await customer.getByRole('button', { name: 'Share screen' }).click();
  await expect(customer.getByRole('status').filter({ hasText: 'Your screen is being shared' })).toBeVisible();
  await expect(region.locator('video')).toBeVisible();
  await expect.poll(() => isPlaying(rep), { timeout: 15_000 }).toBe(true);
  await expect(rep.getByRole('log')).toContainText('Ada started sharing their screen.');

  // Double-click opens the large viewer with a fullscreen control.
  await region.locator('video').dblclick();
  const viewer = rep.getByRole('dialog', { name: 'Screen of Ada' });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Fullscreen' })).toBeVisible();
  await expect.poll(() => viewer.locator('video').evaluate((el: HTMLVideoElement) => el.videoWidth > 0 && !el.paused)).toBe(true);
  await viewer.getByRole('button', { name: 'Close' }).click();

  // The red button: sharing stops at once on the customer's side and the rep's video goes away.
  await customer.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(customer.getByText('Your screen is being shared')).toHaveCount(0);
  await expect(customer.getByRole('log')).toContainText('You stopped sharing your screen.');
  await expect(customer.getByRole('log')).toContainText('Every permission you gave in this session was withdrawn.');
  await expect(region.locator('video')).toHaveCount(0);
  await expect(rep.getByRole('log')).toContainText('Ada stopped sharing their screen.');
  // The capture itself was stopped, not just hidden.
  expect(await customer.evaluate(() => document.querySelectorAll('video').length)).toBe(0);

  // Chat still works after the renegotiations.
  await customer.getByLabel('Message', { exact: true }).fill('thanks');
  await customer.getByRole('button', { name: 'Send' }).click();
  await expect(rep.getByRole('log')).toContainText('thanks');
});

test('a customer can decline the request, and share later on their own', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await connectPair(pair);
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Decline' }).click();
  await expect(rep.getByRole('log')).toContainText('Ada declined to share their screen.');
  await expect(rep.getByRole('button', { name: 'Request screen' })).toBeEnabled();

  await customer.getByRole('button', { name: 'Share screen' }).click();
  await expect.poll(() => isPlaying(rep), { timeout: 15_000 }).toBe(true);
  // Leaving ends the share with the session.
  await customer.getByRole('button', { name: 'Leave session' }).click();
  await customer.getByRole('button', { name: 'Yes, leave' }).click();
  await expect(rep.getByRole('region', { name: 'Customer screen' }).locator('video')).toHaveCount(0);
  await expect(rep.getByRole('log')).toContainText('Ada stopped sharing their screen.');
});
