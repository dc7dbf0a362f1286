/**
 * Rep accounts (issue 4): sign-in required once the desk config lists reps, wrong password,
 * lock-out, sign-out, the admin page (edits applied live), no admin page for a rep, French.
 * Server: SERVERS.accounts (a copy of test/e2e/desk.accounts.json).
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, expectConnected, joinByTyping, openPair } from './fixtures.ts';

const ACCOUNTS_URL = `http://127.0.0.1:${SERVERS.accounts}`;
const ALICE = { username: 'alice', password: 'alice-password-1' };
const BOB = { username: 'bob', password: 'bob-password-22' };

async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function newPage(browser: Browser, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ baseURL: ACCOUNTS_URL, locale });
  return context.newPage();
}

test('sign-in is required once accounts exist: wrong password refused, then the console, and a session with a customer', async ({ browser }) => {
  const pair = await openPair(browser, ACCOUNTS_URL);
  const { rep, customer } = pair;
  await rep.goto('/rep/');
  await expect(rep.getByRole('heading', { name: 'Sign in to the rep console' })).toBeVisible();
  await expect(rep.getByRole('button', { name: 'Start session' })).toHaveCount(0);

  await signIn(rep, { username: 'bob', password: 'not-the-password' });
  await expect(rep.getByRole('alert')).toHaveText('Wrong username or password.');
  await signIn(rep, { username: 'nobody', password: 'not-the-password' });
  await expect(rep.getByRole('alert')).toHaveText('Wrong username or password.'); // the same for an unknown user

  await signIn(rep, BOB);
  await expect(rep.getByText('Bob Durand')).toBeVisible();
  await expect(rep.getByText(/Open mode/)).toHaveCount(0);
  await expect(rep.getByRole('link', { name: 'Administration' })).toHaveCount(0);

  // The signed-in console starts sessions (create-room accepted with the cookie) under the rep's name.
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  const code = (await rep.getByTestId('session-code').textContent())!.trim();
  await joinByTyping(customer, code, 'Ada');
  await expectConnected(rep, customer);
  await closePair(pair);
});

test('lock-out after repeated failures: even the right password is refused, with a translated message', async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto('/rep/');
  for (let i = 0; i < 5; i++) {
    await signIn(page, { username: 'locky', password: `wrong-password-${i}` });
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  }
  await signIn(page, { username: 'locky', password: 'locky-password-3' });
  await expect(page.getByRole('alert')).toHaveText('Too many failed attempts: sign-in is locked. Try again in 15 min.');
  await expect(page.getByRole('heading', { name: 'Sign in to the rep console' })).toBeVisible();
  await page.context().close();
});

test('sign-in while the server is unreachable says so, and keeps what was typed', async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto('/rep/');
  await page.route('**/api/sign-in', (route) => route.abort('connectionrefused'));
  await signIn(page, BOB);
  await expect(page.getByRole('alert')).toHaveText('The server cannot be reached. Check your connection and try again.');
  await expect(page.getByLabel('Username')).toHaveValue('bob');
  await page.unroute('**/api/sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Bob Durand')).toBeVisible();
  await page.context().close();
});

test('sign-out ends the session: back to the sign-in page, also after a reload', async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto('/rep/');
  await signIn(page, BOB);
  await expect(page.getByLabel('Status')).toHaveValue('available');
  await page.getByLabel('Status').selectOption('away');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Yes, sign out' }).click();
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await expect(page.getByLabel('Username')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to the rep console' })).toBeVisible();
  await page.context().close();
});

test('an admin edits the greeting and a notice on the admin page: applied at once for customers', async ({ browser }) => {
  const admin = await newPage(browser);
  const customer = await newPage(browser);
  await admin.goto('/rep/');
  await signIn(admin, ALICE);
  await admin.getByRole('link', { name: 'Administration' }).click();
  await expect(admin.getByRole('heading', { name: 'Desk administration' })).toBeVisible();
  await expect(admin.getByLabel('Greeting')).toHaveValue('Welcome to Example support.');
  await expect(admin.locator('body')).not.toContainText('scrypt');

  // A bad value is refused with the problems listed, and nothing is lost.
  await admin.getByLabel('Hold message interval (seconds)').fill('2');
  await admin.getByLabel('Greeting').fill('Hello from the admin page');
  await admin.getByRole('button', { name: 'Save changes' }).click();
  const problems = admin.getByRole('alert').filter({ has: admin.getByRole('heading', { name: 'The changes were not saved. Fix these problems:' }) });
  await expect(problems).toContainText('portal.holdIntervalSeconds: must be at least 10');
  await expect(admin.getByLabel('Greeting')).toHaveValue('Hello from the admin page');
  const before = await customer.request.get('/api/desk/portal');
  expect(((await before.json()) as { portal: { greeting: string } }).portal.greeting).toBe('Welcome to Example support.');

  await admin.getByLabel('Hold message interval (seconds)').fill('45');
  await admin.getByRole('switch', { name: 'Shown to customers' }).check();
  await admin.getByRole('button', { name: 'Save changes' }).click();
  await expect(admin.getByText('Saved. The new settings are in use.')).toBeVisible();

  const after = (await (await customer.request.get('/api/desk/portal')).json()) as { portal: { greeting: string; holdIntervalSeconds: number; notices: { id: string; enabled: boolean }[] } };
  expect(after.portal.greeting).toBe('Hello from the admin page');
  expect(after.portal.holdIntervalSeconds).toBe(45);
  expect(after.portal.notices).toEqual([{ id: 'outage', text: 'Known issue: e-mail is delayed.', enabled: true }]);

  // Still there after a reload (saved to the file, not only in memory).
  await admin.reload();
  await expect(admin.getByLabel('Greeting')).toHaveValue('Hello from the admin page');
  await admin.context().close();
  await customer.context().close();
});

test('an admin adds a rep with a password, then removes them: the removed rep\'s console is signed out at once', async ({ browser }) => {
  const admin = await newPage(browser);
  await admin.goto('/rep/admin/');
  await expect(admin.getByRole('alert')).toContainText('Sign in to the rep console first.');
  await admin.getByRole('main').getByRole('link', { name: 'Back to the console' }).click();
  await signIn(admin, ALICE);
  await admin.getByRole('link', { name: 'Administration' }).click();
  await admin.getByRole('button', { name: 'Add a rep' }).click();
  const card = admin.getByRole('group').filter({ has: admin.getByLabel('Password (required for a new rep)') });
  await card.getByLabel('Username').fill('carol');
  await card.getByLabel('Display name').fill('Carol Petit');
  await card.getByRole('checkbox', { name: 'General support' }).check();
  await card.getByLabel('Password (required for a new rep)').fill('carol-password-9');
  await admin.getByRole('button', { name: 'Save changes' }).click();
  await expect(admin.getByText('Saved. The new settings are in use.')).toBeVisible();

  const carol = await newPage(browser);
  await carol.goto('/rep/');
  await signIn(carol, { username: 'carol', password: 'carol-password-9' });
  await expect(carol.getByText('Carol Petit')).toBeVisible();

  await admin.getByRole('button', { name: 'Remove Carol Petit' }).click();
  await admin.getByRole('button', { name: 'Save changes' }).click();
  await expect(admin.getByText('Saved. The new settings are in use.')).toBeVisible();
  await expect(carol.getByText('Your sign-in session ended (signed out elsewhere, or your account changed). Please sign in again.')).toBeVisible();
  await expect(carol.getByLabel('Username')).toBeVisible();
  await admin.context().close();
  await carol.context().close();
});

test('a rep who is not an admin gets no admin page', async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto('/rep/');
  await signIn(page, BOB);
  await expect(page.getByText('Bob Durand')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Administration' })).toHaveCount(0);
  await page.goto('/rep/admin/');
  await expect(page.getByRole('alert')).toHaveText('Only administrators can open this page.');
  await expect(page.getByLabel('Greeting')).toHaveCount(0);
  expect((await page.request.get('/api/admin/config')).status()).toBe(403);
  await page.context().close();
});

test('the sign-in page in French', async ({ browser }) => {
  const page = await newPage(browser, 'fr-FR');
  await page.goto('/rep/');
  await expect(page.getByRole('heading', { name: 'Connexion à la console technicien' })).toBeVisible();
  await page.getByLabel('Nom d’utilisateur').fill('bob');
  await page.getByLabel('Mot de passe').fill('pas-le-bon-mot');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toHaveText('Nom d’utilisateur ou mot de passe incorrect.');
  await page.getByLabel('Mot de passe').fill(BOB.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();
  await page.context().close();
});

test('open mode (no accounts): the console says so, in English and French', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${SERVERS.main}` });
  const page = await context.newPage();
  await page.goto('/rep/');
  await expect(page.getByRole('note')).toHaveText('Open mode: anyone who can open this page is a rep. Add reps in the desk config to require sign-in.');
  await expect(page.getByLabel('Username')).toHaveCount(0);
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('note')).toContainText('Mode ouvert');
  await context.close();
});

test('signed-in reps are offered only the chats of their queues, not while Away; the customer sees the rep\'s account name', async ({ browser }) => {
  const alice = await newPage(browser);
  const bob = await newPage(browser);
  for (const [page, who] of [[alice, ALICE], [bob, BOB]] as const) {
    await page.goto('/rep/');
    await signIn(page, who);
    await expect(page.getByRole('heading', { name: 'Waiting chats' })).toBeVisible();
  }
  const row = (rep: Page, name: string) => rep.getByTestId('queue-row').filter({ hasText: name });
  const ask = async (name: string, queue: string) => {
    const customer = await newPage(browser);
    await customer.goto(`/support?queue=${queue}`);
    await customer.getByLabel('Name').fill(name);
    await customer.getByLabel('Problem description').fill(`${name} needs help`);
    await customer.getByRole('button', { name: 'Start chat' }).click();
    await customer.getByRole('button', { name: 'Not now' }).click();
    await expect(customer.getByTestId('queue-position')).toBeVisible();
    return customer;
  };

  // A billing chat: only Alice serves billing. Bob does not even see it.
  const cleo = await ask('Cleo', 'billing');
  await expect(row(alice, 'Cleo').getByRole('button', { name: 'Reject' })).toBeVisible();
  await expect(row(bob, 'Cleo')).toHaveCount(0);

  // Alice goes Away: the next general chat is offered to Bob, not to her.
  await alice.getByLabel('Status').selectOption('away');
  const dora = await ask('Dora', 'general');
  await expect(row(bob, 'Dora').getByRole('button', { name: 'Reject' })).toBeVisible();
  await expect(row(alice, 'Dora').getByRole('button', { name: 'Reject' })).toHaveCount(0);

  // Alice picks Cleo's chat anyway (any waiting chat can be picked): Cleo sees her account name.
  await row(alice, 'Cleo').getByRole('button', { name: 'Accept' }).click();
  await expect(cleo.getByTestId('connection-status')).toContainText('Connected');
  await expect(cleo.getByText('Alice Martin', { exact: true })).toBeVisible();
  await row(bob, 'Dora').getByRole('button', { name: 'Accept' }).click();
  await expect(dora.getByText('Bob Durand', { exact: true })).toBeVisible();
  for (const page of [alice, bob, cleo, dora]) await page.context().close();
});
