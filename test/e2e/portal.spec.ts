/**
 * The customer portal in the queue, against the real server's queue engine: positions and waits
 * of three waiting customers (each its own browser context) as others leave or are taken, the
 * orphan message and redirect after a short timeout, and a notice's "Leave". The rep side is a
 * Node socket.io client (desk-rep.ts): these tests are about the customer's screens.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { DeskRep } from './desk-rep.ts';

const queueURL = `http://127.0.0.1:${SERVERS.deskQueue}`;
const deskURL = `http://127.0.0.1:${SERVERS.desk}`;
const SHOTS = '/tmp/portal-shots';

async function customer(browser: Browser, baseURL: string, name: string, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, locale });
  const page = await context.newPage();
  await page.goto('/support');
  await page.getByLabel(locale.startsWith('fr') ? 'Nom' : 'Name').fill(name);
  await page.getByLabel(locale.startsWith('fr') ? 'Description du problème' : 'Problem description').fill(`${name} cannot print`);
  return { context, page };
}

/** Start chat, then "Not now" to the notification question (never a blocker). */
async function startChat(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start chat' }).click();
  await notNow(page);
}

async function notNow(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Be told when a rep answers?' })).toBeVisible();
  await page.getByRole('button', { name: 'Not now' }).click();
}

test('three waiting customers see places 1, 2, 3, updated live when one leaves and one is taken', async ({ browser }) => {
  const rep = await DeskRep.connect(queueURL);
  const [ada, ben, cleo] = [await customer(browser, queueURL, 'Ada'), await customer(browser, queueURL, 'Ben'), await customer(browser, queueURL, 'Cleo')];
  try {
    for (const c of [ada, ben, cleo]) {
      await startChat(c.page);
      await expect(c.page.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
    }
    await expect(ada.page.getByTestId('queue-position')).toHaveText('1');
    await expect(ben.page.getByTestId('queue-position')).toHaveText('2');
    await expect(cleo.page.getByTestId('queue-position')).toHaveText('3');
    await expect(cleo.page.getByTestId('queue-wait')).toHaveText('estimating…');
    await expect(cleo.page.getByText('Welcome! A rep will be with you shortly.')).toBeVisible();
    await cleo.page.screenshot({ path: `${SHOTS}/en-waiting.png`, fullPage: true });

    // Ben leaves: Cleo moves up.
    await ben.page.getByRole('button', { name: 'Leave queue' }).click();
    await expect(ben.page.getByRole('heading', { name: 'You left the queue' })).toBeVisible();
    await expect(ben.page.getByText('Your request was withdrawn. What you typed is kept')).toBeVisible();
    await expect(cleo.page.getByTestId('queue-position')).toHaveText('2');
    await expect(ada.page.getByTestId('queue-position')).toHaveText('1');

    // The rep takes Ada (first in line): Ada's page goes to the chat, Cleo becomes first, and the
    // served chat gives the queue its first wait estimate.
    await expect.poll(() => rep.waiting().length).toBe(2);
    await rep.accept(rep.waiting()[0]!);
    await expect(ada.page.getByText('Bob', { exact: true })).toBeVisible();
    await expect(ada.page.getByLabel('Message', { exact: true })).toBeVisible();
    await ada.page.screenshot({ path: `${SHOTS}/en-chat-connecting.png`, fullPage: true });
    await expect(cleo.page.getByTestId('queue-position')).toHaveText('1');
    await expect(cleo.page.getByTestId('queue-wait')).not.toHaveText('estimating…');
    // Ben's text is still there for another try.
    await ben.page.getByRole('button', { name: 'Start a new chat' }).click();
    await expect(ben.page.getByLabel('Problem description')).toHaveValue('Ben cannot print');
  } finally {
    rep.close();
    for (const c of [ada, ben, cleo]) await c.context.close();
  }
});

test('a customer notice with Leave: the request is withdrawn and no survey follows', async ({ browser }) => {
  const rep = await DeskRep.connect(queueURL);
  const { context, page } = await customer(browser, queueURL, 'Dora');
  try {
    // Other tests' customers may still be in their disconnect grace: follow this request by its id.
    const before = new Set(rep.waiting());
    await startChat(page);
    await expect(page.getByTestId('queue-position')).toHaveText(/^\d+$/);
    let mine = '';
    await expect.poll(() => (mine = rep.waiting().find((id) => !before.has(id)) ?? '')).not.toBe('');
    const notices = page.getByRole('region', { name: 'Known issues' });
    await expect(notices.getByText('E-mail delivery is delayed since 9:00')).toBeVisible();
    await notices.getByRole('button', { name: 'This is my problem: leave the queue' }).click();
    await expect(page.getByRole('heading', { name: 'You left the queue' })).toBeVisible();
    await expect(page.getByText('we are working on this known issue')).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/en-left-notice.png`, fullPage: true });
    await expect.poll(() => rep.waiting().includes(mine)).toBe(false);
    await expect(page.getByRole('heading', { name: 'How did we do?' })).toHaveCount(0);
  } finally {
    rep.close();
    await context.close();
  }
});

test('nobody answers: the orphan message, then the redirect after a visible countdown', async ({ browser }) => {
  const { context, page } = await customer(browser, deskURL, 'Eve');
  await context.route('https://help.example.org/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Help</title><h1>Help pages</h1>' }));
  try {
    await page.getByLabel('Topic').selectOption({ label: 'General support' });
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('button', { name: 'I agree' }).click();
    await page.getByRole('button', { name: 'Yes, keep a transcript' }).click();
    await page.screenshot({ path: `${SHOTS}/en-notify.png`, fullPage: true });
    await notNow(page);
    await expect(page.getByRole('heading', { name: 'No rep is free right now' })).toBeVisible();
    await expect(page.getByText('Sorry, nobody could take your chat. Our help pages may have the answer.')).toBeVisible();
    await expect(page.getByTestId('redirect-countdown')).toContainText('You will be taken to help.example.org in');
    await expect(page.getByRole('link', { name: 'Go now' })).toHaveAttribute('href', 'https://help.example.org/faq');
    await page.screenshot({ path: `${SHOTS}/en-orphaned.png`, fullPage: true });
    await page.waitForURL('https://help.example.org/faq', { timeout: 20_000 });
    await expect(page.getByRole('heading', { name: 'Help pages' })).toBeVisible();
  } finally {
    await context.close();
  }
});

test('the French portal in the queue: place, wait, notices and leaving, all in French', async ({ browser }) => {
  const { context, page } = await customer(browser, queueURL, 'Zoé', 'fr-FR');
  try {
    await page.getByRole('button', { name: 'Démarrer la discussion' }).click();
    await expect(page.getByRole('heading', { name: 'Être prévenu quand un technicien répond ?' })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/fr-notify.png`, fullPage: true });
    await page.getByRole('button', { name: 'Pas maintenant' }).click();
    await expect(page.getByRole('heading', { name: 'Vous êtes dans la file d’attente' })).toBeVisible();
    await expect(page.getByText('Votre place dans la file')).toBeVisible();
    await expect(page.getByTestId('queue-position')).toHaveText(/^\d+$/);
    await expect(page.getByTestId('queue-wait')).toHaveText(/estimation en cours…|environ \d+ min|moins d’une minute/);
    await page.screenshot({ path: `${SHOTS}/fr-waiting.png`, fullPage: true });
    await page.getByRole('region', { name: 'Problèmes connus' }).getByRole('button', { name: 'C’est mon problème : quitter la file' }).click();
    await expect(page.getByRole('heading', { name: 'Vous avez quitté la file' })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/fr-left-notice.png`, fullPage: true });
    await page.getByRole('button', { name: 'Démarrer une nouvelle discussion' }).click();
    await expect(page.getByLabel('Description du problème')).toHaveValue('Zoé cannot print');
  } finally {
    await context.close();
  }
});
