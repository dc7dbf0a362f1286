import { expect, test, type Page } from '@playwright/test';
import { closePair, connectPair, notificationsShown, openPair, recordNotifications, sendMessage, setVisible, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

const fontSize = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));

test('chat text size: larger and smaller on both sides, applied to the log and the message box, remembered after a reload', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;
  await sendMessage(customer, 'Can you read this?');
  await expect(rep.getByRole('log')).toContainText('Can you read this?');
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(16);

  await rep.getByRole('button', { name: 'Larger text' }).click();
  await rep.getByRole('button', { name: 'Larger text' }).click();
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(20);
  await expect.poll(() => fontSize(rep, 'Message')).toBe(20);
  await rep.getByRole('button', { name: 'Larger text' }).click();
  await expect(rep.getByRole('button', { name: 'Larger text' })).toBeDisabled(); // the largest step
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(24);

  await customer.getByRole('button', { name: 'Smaller text' }).click();
  await expect.poll(() => fontSize(customer, 'Conversation')).toBe(14);
  await expect.poll(() => fontSize(customer, 'Message')).toBe(14);
  await expect(customer.getByRole('button', { name: 'Smaller text' })).toBeDisabled(); // the smallest step
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(24); // each side has its own

  // After a reload the console shows the session again, in the size chosen.
  await rep.reload();
  await expect(rep.getByRole('log')).toContainText('Can you read this?');
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(24);
  await rep.getByRole('button', { name: 'Smaller text' }).click();
  await expect.poll(() => fontSize(rep, 'Conversation')).toBe(20);
});

test('while the console is hidden: unread count in the title, a notification (plain text, 100 characters), nothing while in front', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await recordNotifications(pair.repContext, baseURL!);
  await connectPair(pair, 'Ada');
  const { rep, customer } = pair;
  const notifications = () => notificationsShown(rep);

  // Visible: no count, no notification.
  await sendMessage(customer, 'While you look');
  await expect(rep.getByRole('log')).toContainText('While you look');
  await expect(rep).toHaveTitle('Parley — rep console');
  expect(await notifications()).toEqual([]);

  await setVisible(rep, false);
  const long = `[b]Printer[/b] says:\n${'paper jam '.repeat(15)}`;
  await sendMessage(customer, 'One');
  await expect(rep).toHaveTitle('(1) Parley — rep console');
  await sendMessage(customer, 'Two');
  await sendMessage(customer, long);
  await expect(rep).toHaveTitle('(3) Parley — rep console');
  const shown = await notifications();
  expect(shown.slice(0, 2)).toEqual([
    { title: 'Ada', body: 'One' },
    { title: 'Ada', body: 'Two' },
  ]);
  expect(shown[2]!.title).toBe('Ada');
  expect(shown[2]!.body).toMatch(/^Printer says: paper jam paper jam .*…$/);
  expect([...shown[2]!.body]).toHaveLength(100);

  await setVisible(rep, true);
  await expect(rep).toHaveTitle('Parley — rep console');
  await sendMessage(customer, 'Back in front');
  await expect(rep.getByRole('log')).toContainText('Back in front');
  expect(await notifications()).toHaveLength(3);
  await expect(rep).toHaveTitle('Parley — rep console');
});

test('the customer is asked about notifications once, at the Join click, and never again after saying no', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  // Counted in the test, not the page: leaving clears the page's storage, as it should.
  let requests = 0;
  await pair.customerContext.exposeFunction('__countPermissionRequest', () => ++requests);
  await pair.customerContext.addInitScript(() => {
    // The person closes the prompt (the permission stays "default").
    Notification.requestPermission = async () => {
      await (window as unknown as { __countPermissionRequest: () => Promise<number> }).__countPermissionRequest();
      return 'default';
    };
  });
  await connectPair(pair);
  expect(requests).toBe(1);
  await pair.customer.getByRole('button', { name: 'Leave session' }).click();
  await pair.customer.getByRole('button', { name: 'Yes, leave' }).click();
  await connectPair(pair);
  expect(requests).toBe(1);
});

test('typing shows on both sides, for a customer without a name too; prose fields are spell-checked, the code is not', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await customer.goto('/');
  await expect(customer.getByLabel('Session code')).toHaveAttribute('spellcheck', 'false');
  await expect(customer.getByLabel('Your name (optional)')).toHaveAttribute('spellcheck', 'true');
  await connectPair(pair, '');

  await customer.getByLabel('Message', { exact: true }).pressSequentially('Hel');
  await expect(rep.getByText('Customer is typing…')).toBeVisible();
  await rep.getByLabel('Message', { exact: true }).pressSequentially('One mo');
  await expect(customer.getByText('Support is typing…')).toBeVisible();
  await sendMessage(rep, 'One moment');
  await expect(customer.getByText('Support is typing…')).toHaveCount(0);

  for (const field of ['Message', 'Session notes', 'Your name']) {
    await expect(rep.getByLabel(field, { exact: true })).toHaveAttribute('spellcheck', 'true');
  }
  await expect(customer.getByLabel('Message', { exact: true })).toHaveAttribute('spellcheck', 'true');
});
