/**
 * The support desk end to end, in browsers against the real server's queue engine: customers
 * start chats from the portal, the rep console offers them (a row, a sound, a notification),
 * a rejected chat is offered to the next rep, and an accepted one becomes a tab whose session
 * is end-to-end encrypted without a code to compare: both sides say "not verified" until the
 * safety code is confirmed.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { exportJson } from './desk-fixtures.ts';

const queueURL = `http://127.0.0.1:${SERVERS.deskQueue}`;
const contexts: BrowserContext[] = [];

test.afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

async function open(browser: Browser, path: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ baseURL: queueURL, locale });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(path);
  return page;
}

/** A rep console in open mode, named `name`. */
async function repConsole(browser: Browser, name: string): Promise<Page> {
  const rep = await open(browser, '/rep');
  await rep.getByLabel('Your name').fill(name);
  await expect(rep.getByRole('heading', { name: 'Waiting chats' })).toBeVisible();
  return rep;
}

/** A customer asks for a chat from the portal. */
async function requestChat(browser: Browser, name: string): Promise<Page> {
  const page = await open(browser, '/support');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Problem description').fill(`${name}: the printer prints blank pages`);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
  return page;
}

const row = (rep: Page, name: string) => rep.getByTestId('queue-row').filter({ hasText: name });

/** Which of `reps` has the chat of `customer` offered (its row has Reject), and the others. */
async function offeredTo(reps: Page[], customer: string): Promise<[Page, Page[]]> {
  let found: Page | undefined;
  await expect
    .poll(async () => {
      for (const rep of reps) if (await row(rep, customer).getByRole('button', { name: 'Reject' }).isVisible()) found = rep;
      return found !== undefined;
    })
    .toBe(true);
  return [found!, reps.filter((r) => r !== found)];
}

const verification = (page: Page) => page.getByTestId('desk-verification');

test('a chat rejected by the first rep is offered to the second; accepted, it is encrypted but "not verified" on both sides until each confirms the safety code', async ({ browser }) => {
  const amy = await repConsole(browser, 'Amy');
  const ben = await repConsole(browser, 'Ben');
  const ada = await requestChat(browser, 'Ada');

  // Offered to one rep (a highlighted row with a countdown), listed for the other.
  const [first, [second]] = await offeredTo([amy, ben], 'Ada');
  await expect(row(first, 'Ada').getByRole('status')).toContainText(/Offered to you/);
  await expect(row(second!, 'Ada')).toContainText('Ada: the printer prints blank pages');
  await row(first, 'Ada').getByRole('button', { name: 'Reject' }).click();

  // Rejected: back in the queue and offered to the other rep, not again to the first.
  await expect(row(second!, 'Ada').getByRole('button', { name: 'Reject' })).toBeVisible();
  await expect(row(first, 'Ada').getByRole('button', { name: 'Reject' })).toHaveCount(0);
  await expect(ada.getByTestId('queue-position')).toHaveText('1');
  await row(second!, 'Ada').getByRole('button', { name: 'Accept' }).click();

  // The chat is a tab of the second rep; it is gone from every queue list.
  await expect(second!.getByRole('tab', { name: /Ada/ })).toHaveAttribute('aria-selected', 'true');
  await expect(row(first, 'Ada')).toHaveCount(0);
  const panel = second!.getByRole('tabpanel');
  await expect(panel.getByTestId('connection-status')).toContainText('Connected');
  await expect(ada.getByTestId('connection-status')).toContainText('Connected');
  const repName = second === amy ? 'Amy' : 'Ben';
  await expect(ada.getByText(repName, { exact: true })).toBeVisible();

  // Encrypted, but no code was typed: both sides say "not verified" and show the same safety code.
  await expect(verification(ada)).toContainText('Not verified');
  await expect(verification(second!)).toContainText('Not verified');
  await expect(ada.getByRole('log')).toContainText('Keys agreed: encrypted, but not verified until you compare the safety code.');
  await expect(ada.getByRole('log')).not.toContainText('Code confirmed on both sides.');
  const symbols = async (page: Page) => (await page.getByRole('group', { name: /Safety code:/ }).getAttribute('aria-label'))!;
  expect(await symbols(ada)).toBe(await symbols(second!));

  // They chat; each confirms the code on their own screen.
  await ada.getByLabel('Message', { exact: true }).fill('Hello, is anyone there?');
  await ada.getByRole('button', { name: 'Send' }).click();
  await expect(panel.getByRole('log')).toContainText('Hello, is anyone there?');
  await panel.getByLabel('Message', { exact: true }).fill('Hi Ada, I am here. Can you read me your safety code?');
  await panel.getByRole('button', { name: 'Send' }).click();
  await expect(ada.getByRole('log')).toContainText('Can you read me your safety code?');
  await ada.getByRole('button', { name: 'The codes match' }).click();
  await expect(verification(ada)).toHaveText('Verified: the codes match.');
  await expect(verification(second!)).toContainText('Not verified');
  await panel.getByRole('button', { name: 'The codes match' }).click();
  await expect(verification(second!)).toHaveText('Verified: the codes match.');
  await expect(panel.getByRole('log')).toContainText('Safety code confirmed');
});

test('the customer ends the chat: the rep is told at once, the customer answers the exit survey, and the answers are in the rep\'s report', async ({ browser }) => {
  const sam = await repConsole(browser, 'Sam');
  const cleo = await requestChat(browser, 'Cleo');
  await row(sam, 'Cleo').getByRole('button', { name: 'Accept' }).click();
  const panel = sam.getByRole('tabpanel');
  await expect(panel.getByTestId('connection-status')).toContainText('Connected');
  await expect(cleo.getByTestId('connection-status')).toContainText('Connected');

  await cleo.getByRole('button', { name: 'End chat' }).click();
  await cleo.getByRole('button', { name: 'Yes, end it' }).click();
  await expect(panel.getByRole('log')).toContainText('Cleo ended the chat and is answering the exit survey.');
  await expect(cleo.getByText('You ended the chat. Before you go, would you answer a few questions?')).toBeVisible();
  const survey = cleo.getByRole('form', { name: 'How did we do?' });
  await survey.getByRole('radio', { name: '5 out of 5' }).check();
  await survey.getByRole('button', { name: 'Send answers' }).click();
  await expect(survey.getByRole('status')).toHaveText('Thank you: your answers were sent.');
  await expect(cleo.getByRole('button', { name: 'Start a new chat' })).toBeVisible();

  await expect(panel.getByRole('log')).toContainText('Cleo answered the survey: How would you rate this chat?: 5/5');
  await expect(panel.getByTestId('session-outcome')).toHaveText('Outcome: customer left');
  const report = await exportJson(sam);
  expect(report.survey).toEqual([{ id: 'rating', question: 'How would you rate this chat?', answer: '5/5', rating: 5 }]);
});

test('Mark as solved in a desk chat: the portal customer is thanked and answers the desk\'s survey', async ({ browser }) => {
  const sam = await repConsole(browser, 'Sam');
  const dan = await requestChat(browser, 'Dan');
  await row(sam, 'Dan').getByRole('button', { name: 'Accept' }).click();
  const panel = sam.getByRole('tabpanel');
  await expect(dan.getByTestId('connection-status')).toContainText('Connected');
  await panel.getByRole('button', { name: 'Mark as solved' }).click();
  await panel.getByRole('button', { name: 'Yes, it is solved' }).click();
  await expect(dan.getByText('Your support rep marked this chat as solved. Thank you for contacting us!')).toBeVisible();
  const survey = dan.getByRole('form', { name: 'How did we do?' });
  await survey.getByRole('radio', { name: '3 out of 5' }).check();
  await survey.getByRole('button', { name: 'Send answers' }).click();
  await expect(panel.getByRole('log')).toContainText('Dan answered the survey: How would you rate this chat?: 3/5');
  await expect(panel.getByTestId('session-outcome')).toHaveText('Outcome: solved');
  await expect(dan.getByRole('button', { name: 'Start a new chat' })).toBeVisible();
});
