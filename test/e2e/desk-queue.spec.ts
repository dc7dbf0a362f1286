/**
 * The support desk end to end, in browsers against the real server's queue engine: customers
 * start chats from the portal, the rep console offers them (a row, a sound, a notification),
 * a rejected chat is offered to the next rep, and an accepted one becomes a tab whose session
 * is end-to-end encrypted without a code to compare: both sides say "not verified" until the
 * safety code is confirmed.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { exportJson } from './desk-fixtures.ts';
import { separatePages } from './fixtures.ts';
import { signIdentityHmac } from '../../protocol/customer-identity.ts';

const queueURL = `http://127.0.0.1:${SERVERS.deskChat}`;
const pages = separatePages();
test.afterEach(() => pages.closeAll());

async function open(browser: Browser, path: string, locale = 'en-US'): Promise<Page> {
  const page = await pages.open(browser, queueURL, locale);
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

/** A customer asks for a chat from the portal (`fragment`: what the organisation's site put after `#`). */
async function requestChat(browser: Browser, name: string, fragment = ''): Promise<Page> {
  const page = await open(browser, `/support${fragment}`);
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

test('a customer who reloads the page while waiting keeps their place in the queue, and the chat starts from there', async ({ browser }) => {
  const eve = await requestChat(browser, 'Eve');
  const fay = await requestChat(browser, 'Fay');
  const placeOf = async (page: Page) => {
    await expect(page.getByTestId('queue-position')).toHaveText(/^\d+$/);
    return Number(await page.getByTestId('queue-position').textContent());
  };
  const place = await placeOf(fay);
  expect(place).toBeGreaterThan(await placeOf(eve));

  await fay.reload();
  await expect(fay.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
  await expect(fay.getByTestId('queue-position')).toHaveText(String(place));

  // The rep sees one request from Fay (not a second one), with her details, and takes it.
  const sam = await repConsole(browser, 'Sam');
  await expect(row(sam, 'Fay')).toHaveCount(1);
  await expect(row(sam, 'Fay')).toContainText('Fay: the printer prints blank pages');
  await row(sam, 'Fay').getByRole('button', { name: 'Accept' }).click();
  await expect(fay.getByTestId('connection-status')).toContainText('Connected');
  await expect(sam.getByRole('tabpanel').getByTestId('connection-status')).toContainText('Connected');
  // Leaving the queue on purpose is not a reload: a reload after that starts afresh.
  await eve.getByRole('button', { name: 'Leave queue' }).click();
  await eve.reload();
  await expect(eve.getByRole('button', { name: 'Start chat' })).toBeVisible();
  await expect(eve.getByLabel('Problem description')).toHaveValue('Eve: the printer prints blank pages');
});

test('a reload during a desk chat rejoins it, on the customer\'s side and on the rep\'s: transcript, safety code and "not verified" kept', async ({ browser }) => {
  const sam = await repConsole(browser, 'Sam');
  const gus = await requestChat(browser, 'Gus');
  await row(sam, 'Gus').getByRole('button', { name: 'Accept' }).click();
  const panel = () => sam.getByRole('tabpanel');
  await expect(gus.getByTestId('connection-status')).toContainText('Connected');
  const symbols = async (page: Page) => (await page.getByRole('group', { name: /Safety code:/ }).getAttribute('aria-label'))!;
  const code = await symbols(gus);
  await gus.getByLabel('Message', { exact: true }).fill('Before the reload');
  await gus.getByRole('button', { name: 'Send' }).click();
  await expect(panel().getByRole('log')).toContainText('Before the reload');

  await gus.reload();
  await expect(gus.getByTestId('connection-status')).toContainText('Connected');
  await expect(gus.getByRole('log')).toContainText('Before the reload');
  expect(await symbols(gus)).toBe(code);
  await expect(verification(gus)).toContainText('Not verified');
  await gus.getByLabel('Message', { exact: true }).fill('After my reload');
  await gus.getByRole('button', { name: 'Send' }).click();
  await expect(panel().getByRole('log')).toContainText('After my reload');

  await sam.reload();
  await expect(sam.getByRole('tab', { name: /Gus/ })).toBeVisible();
  await sam.getByRole('tab', { name: /Gus/ }).click();
  await expect(panel().getByTestId('connection-status')).toContainText('Connected');
  await expect(panel().getByRole('log')).toContainText('After my reload');
  await expect(verification(sam)).toContainText('Not verified');
  await panel().getByLabel('Message', { exact: true }).fill('And after mine');
  await panel().getByRole('button', { name: 'Send' }).click();
  await expect(gus.getByRole('log')).toContainText('And after mine');
});

test('customer details signed by the organisation\'s site reach the rep verified, with a lock; a forged token is marked', async ({ browser }) => {
  const secret = Buffer.alloc(32, 9).toString('base64url'); // test/e2e/desk-queue.config.json customerSigning
  const now = Math.floor(Date.now() / 1000);
  const token = signIdentityHmac({ name: 'Ida Signed', email: 'ida@example.com', iat: now - 5, exp: now + 600, iss: 'shop.example.com' }, secret);
  const sam = await repConsole(browser, 'Sam');
  const ida = await requestChat(browser, 'Ida', `#signed=${token}`);
  await row(sam, 'Ida').getByRole('button', { name: 'Accept' }).click();
  await expect(ida.getByTestId('connection-status')).toContainText('Connected');
  const identity = sam.getByTestId('customer-identity').filter({ visible: true });
  await expect(identity).toContainText('Ida Signed');
  await expect(identity).toContainText('Verified by shop.example.com');

  const forged = `${Buffer.from(JSON.stringify({ name: 'Mallory', iat: now - 5, exp: now + 600 })).toString('base64url')}.${token.split('.')[1]}`;
  const mal = await requestChat(browser, 'Mal', `#signed=${forged}`);
  await row(sam, 'Mal').getByRole('button', { name: 'Accept' }).click();
  await expect(mal.getByTestId('connection-status')).toContainText('Connected');
  await expect(sam.getByRole('tab', { name: /Mal/ })).toHaveAttribute('aria-selected', 'true');
  await expect(identity).toContainText('Unverified details');
  await expect(identity).toContainText('Signed details rejected (bad signature)');
});

test('in French: the waiting chat offered to the rep, Accept, and "not verified" on both sides', async ({ browser }) => {
  const rep = await open(browser, '/rep', 'fr-FR');
  await rep.getByLabel('Votre nom').fill('Sophie');
  await expect(rep.getByRole('heading', { name: 'Discussions en attente' })).toBeVisible();
  const client = await open(browser, '/support', 'fr-FR');
  await client.getByLabel('Nom').fill('Hugo');
  await client.getByLabel('Description du problème').fill('Hugo : l’imprimante ne répond plus');
  await client.getByRole('button', { name: 'Démarrer la discussion' }).click();
  await client.getByRole('button', { name: 'Pas maintenant' }).click();
  await expect(client.getByRole('heading', { name: 'Vous êtes dans la file d’attente' })).toBeVisible();
  await expect(row(rep, 'Hugo').getByRole('status')).toContainText('Vous est proposée');
  await expect(row(rep, 'Hugo').getByRole('button', { name: 'Refuser' })).toBeVisible();
  await row(rep, 'Hugo').getByRole('button', { name: 'Accepter' }).click();
  await expect(client.getByTestId('connection-status')).toContainText('Connecté');
  await expect(verification(client)).toContainText('Non vérifié');
  await expect(verification(rep)).toContainText('Non vérifié : lisez ce code au client');
  await client.getByRole('button', { name: 'Les codes sont identiques' }).click();
  await expect(verification(client)).toHaveText('Vérifié : les codes sont identiques.');
  await client.getByRole('button', { name: 'Terminer la discussion' }).click();
  await client.getByRole('button', { name: 'Oui, terminer' }).click();
  await expect(client.getByText('Vous avez mis fin à la discussion. Avant de partir, voulez-vous répondre à quelques questions ?')).toBeVisible();
  await expect(rep.getByRole('tabpanel').getByRole('log')).toContainText('Hugo a mis fin à la discussion et répond au questionnaire de sortie.');
});
