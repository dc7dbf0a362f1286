/**
 * A long conversation: past a few hundred rows the chat log keeps only the rows near the view
 * in the page (a windowed list). It must still read as one log: the newest message in view,
 * every earlier one reachable by scrolling (mouse or keyboard), "New messages below" while
 * reading back, and new messages announced (once) to screen readers.
 */
import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
});
test.afterEach(async () => closePair(pair));

const COUNT = 420;

test('a long log stays one scrollable log with its newest message in view', async () => {
  test.setTimeout(240_000);
  const { rep, customer } = pair;
  // The rep's page sends them one after another (each once the composer has sent the last).
  // Its own log keeps every one; the customer's page drops what a person could not type
  // (receiving-side flood control), so the long log is the rep's.
  await rep.evaluate(async (count) => {
    const box = document.querySelector<HTMLTextAreaElement>('[id^="message-input"]:not([hidden] *)')!;
    for (let i = 1; i <= count; i++) {
      box.value = i % 10 === 0 ? `Line ${i}: [b]bold[/b]\nand a second line` : `Line ${i}: please check the cable`;
      box.dispatchEvent(new Event('input', { bubbles: true }));
      box.form!.requestSubmit();
      while (box.value !== '') await new Promise((r) => setTimeout(r, 5));
    }
  }, COUNT);
  const log = rep.getByRole('log', { name: 'Conversation' });
  await expect(log.getByText(`Line ${COUNT}:`)).toBeInViewport({ timeout: 60_000 });
  // Windowed: far fewer rows in the page than messages, the first one not among them.
  expect(await log.locator('li:not([aria-hidden])').count()).toBeLessThan(COUNT / 2);
  await expect(log.getByText(/^Line 1: please/)).toHaveCount(0);
  await expect(log.getByText('bold').last()).toBeVisible(); // formatting and line breaks survive

  // Back to the start with the keyboard: the first message comes into the page and into view.
  await log.focus();
  await rep.keyboard.press('Home');
  await expect(log.getByText(/^Line 1: please/)).toBeInViewport();

  // A new message while reading back: not pulled down, told there is more, and announced once.
  await sendMessage(customer, 'Are you still there?');
  await expect(rep.getByRole('button', { name: /New messages below/ })).toBeVisible();
  await expect(log.getByText(/^Line 1: please/)).toBeInViewport();
  await expect(rep.locator('[aria-live="polite"]').filter({ hasText: 'Are you still there?' })).toHaveCount(1);
  await rep.getByRole('button', { name: /New messages below/ }).click();
  await expect(log.getByText('Are you still there?')).toBeInViewport();
  await expect(log.getByText(`Line ${COUNT}:`)).toBeInViewport();
});
