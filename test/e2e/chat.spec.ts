import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
});
test.afterEach(async () => closePair(pair));

test('the log follows new messages, but not while the reader has scrolled up', async () => {
  const { rep, customer } = pair;
  for (let i = 1; i <= 30; i++) await sendMessage(rep, `Step ${i}: please try this and tell me what you see.`);
  const log = customer.getByRole('log');
  await expect(log).toContainText('Step 30:');
  // At the bottom: the newest message is in view.
  await expect(log.getByText('Step 30:')).toBeInViewport();

  // Scroll up to read an earlier step; a new message must not pull the view down.
  await log.evaluate((el) => (el.scrollTop = 0));
  const before = await log.evaluate((el) => el.scrollTop);
  await sendMessage(rep, 'Step 31: one more thing');
  await expect(customer.getByRole('button', { name: /New messages below/ })).toBeVisible();
  expect(await log.evaluate((el) => el.scrollTop)).toBe(before);
  await expect(log.getByText('Step 31:')).not.toBeInViewport();

  // The button brings the reader to the newest message.
  await customer.getByRole('button', { name: /New messages below/ }).click();
  await expect(log.getByText('Step 31:')).toBeInViewport();
  await expect(customer.getByRole('button', { name: /New messages below/ })).toHaveCount(0);
});

test('the rep sees when the customer is typing', async () => {
  const { rep, customer } = pair;
  await customer.getByLabel('Message', { exact: true }).pressSequentially('I am wri');
  await expect(rep.getByText('Ada is typing…')).toBeVisible();
  await sendMessage(customer, 'I am writing');
  await expect(rep.getByText('Ada is typing…')).toHaveCount(0);
});

test('the customer keeps a transcript and can clear it', async () => {
  const { rep, customer } = pair;
  await sendMessage(rep, 'Kept on the customer side too');
  await expect(customer.getByRole('log')).toContainText('Kept on the customer side too');
  const stored = () =>
    customer.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('parley-customer');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction('events').objectStore('events').count();
            count.onsuccess = () => {
              resolve(count.result);
              open.result.close();
            };
          };
        }),
    );
  expect(await stored()).toBeGreaterThan(3);
  await customer.getByRole('button', { name: 'Leave session' }).click();
  await customer.getByRole('button', { name: 'Yes, leave' }).click();
  await customer.getByRole('button', { name: 'Clear my saved transcripts' }).click();
  await expect(customer.getByText('Your saved transcripts were deleted from this browser.')).toBeVisible();
  expect(await stored()).toBe(0);
});
