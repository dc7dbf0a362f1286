/**
 * Session tools, rep and customer in two browser contexts on a code session: offers, Mark as
 * solved with the exit survey (answers in the rep's exported report), Cancel chat, Raise request
 * to a webhook (CSP, retry) and without one (download), notes kept across a reload, French labels.
 *
 * The desk settings come from `GET /api/desk/rep`. Until the desk config is served on this
 * branch's server, the test answers that route in the rep's browser with a RepView (the schema
 * of protocol/desk-config.ts): it stands in for the config file, nothing else is faked.
 */
import { expect, test } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVERS } from '../../playwright.config.ts';
import { startServerProcess } from './server-process.ts';
import { exportJson, repView, serveDesk, textOf } from './desk-fixtures.ts';
import { signIdentityHmac } from '../../protocol/customer-identity.ts';
import { closePair, connectPair, expectConnected, joinByTyping, openPair, sendMessage, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.beforeEach(async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
});
test.afterEach(async () => closePair(pair));

test('offer: the customer picks one choice; both logs and the rep\'s report show it', async () => {
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await connectPair(pair);

  await rep.getByRole('button', { name: 'Offer choices' }).click();
  const form = rep.getByRole('form', { name: 'Offer choices' });
  // One choice is not an offer: the form says so and keeps what was typed.
  await form.getByLabel('Question').fill('Which printer is it?');
  await form.getByLabel('Choices (one per line, 2 to 8)').fill('Office laser');
  await form.getByRole('button', { name: 'Send offer' }).click();
  await expect(form.getByRole('alert')).toHaveText('Give 2 to 8 choices, one per line, each up to 120 characters.');
  await expect(form.getByLabel('Question')).toHaveValue('Which printer is it?');
  await form.getByLabel('Choices (one per line, 2 to 8)').fill('Office laser\nHome inkjet\n\n');
  await form.getByRole('button', { name: 'Send offer' }).click();
  await expect(form).toBeHidden();

  const card = customer.getByRole('region', { name: 'Offers' }).getByRole('article', { name: 'Which printer is it?' });
  await expect(card.getByText('A question from Support')).toBeVisible();
  await card.getByRole('button', { name: 'Home inkjet' }).click();
  await expect(card.getByRole('status')).toHaveText('Your choice: Home inkjet');
  await expect(card.getByRole('button')).toHaveCount(0); // once only

  const repCard = rep.getByRole('region', { name: 'Offers' }).getByRole('article', { name: 'Which printer is it?' });
  await expect(repCard.getByRole('status')).toHaveText('Chosen: Home inkjet');
  await expect(rep.getByRole('log')).toContainText('You offered a choice: “Which printer is it?” (Office laser · Home inkjet).');
  await expect(rep.getByRole('log')).toContainText('Ada chose “Home inkjet” for “Which printer is it?”.');
  await expect(customer.getByRole('log')).toContainText('Support asks: “Which printer is it?” (Office laser · Home inkjet).');
  await expect(customer.getByRole('log')).toContainText('You chose “Home inkjet” for “Which printer is it?”.');

  const report = await exportJson(rep);
  const texts = (report.events as { text: string }[]).map((e) => e.text);
  expect(texts).toContain('Ada chose “Home inkjet” for “Which printer is it?”.');
});

test('Mark as solved: the customer is thanked, answers the survey, and the answers are in the rep\'s report', async () => {
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await connectPair(pair);
  await sendMessage(rep, 'The driver is reinstalled, try printing now.');

  await rep.getByRole('button', { name: 'Mark as solved' }).click();
  await rep.getByRole('button', { name: 'Yes, it is solved' }).click();
  await expect(rep.getByRole('status').filter({ hasText: 'Waiting for the customer’s survey answers' })).toBeVisible();

  await expect(customer.getByText('Your support rep marked this chat as solved. Thank you for contacting us!')).toBeVisible();
  const survey = customer.getByRole('form', { name: 'How did we do?' });
  await survey.getByRole('radio', { name: '4 out of 5' }).check();
  await survey.getByRole('group', { name: 'Is your problem fixed?' }).getByRole('radio', { name: 'Partly' }).check();
  await survey.getByLabel('Anything else?').fill('Quick and kind, thanks!');
  await survey.getByRole('button', { name: 'Send answers' }).click();
  await expect(survey.getByRole('status')).toHaveText('Thank you: your answers were sent.');

  // The customer leaving after the answers ends the session on the rep's side at once.
  await expect(rep.getByRole('log')).toContainText('Ada answered the survey: How did we do?: 4/5 · Is your problem fixed?: Partly · Anything else?: Quick and kind, thanks!');
  await expect(rep.getByTestId('session-outcome')).toHaveText('Outcome: solved');

  const report = await exportJson(rep);
  expect((report.session as { outcome: string }).outcome).toBe('solved');
  expect(report.survey).toEqual([
    { id: 'overall', question: 'How did we do?', answer: '4/5', rating: 4 },
    { id: 'fixed', question: 'Is your problem fixed?', answer: 'Partly', choice: 1 },
    { id: 'comment', question: 'Anything else?', answer: 'Quick and kind, thanks!', text: 'Quick and kind, thanks!' },
  ]);
  await rep.getByRole('tab', { name: 'History' }).click();
  await expect(rep.getByRole('table').getByText(/solved/i).first()).toBeVisible();
});

test('Cancel chat: the customer is told, gets no survey, and the session ends as cancelled', async () => {
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await connectPair(pair);
  await rep.getByRole('button', { name: 'Cancel chat', exact: true }).click();
  await rep.getByRole('button', { name: 'Yes, cancel the chat' }).click();
  await expect(customer.getByText('Your support rep cancelled this chat.')).toBeVisible();
  await expect(customer.getByRole('log')).toContainText('Support cancelled the chat.');
  await expect(customer.getByRole('form', { name: 'How did we do?' })).toHaveCount(0);
  await expect(rep.getByTestId('session-outcome')).toHaveText('Outcome: cancelled');
  await expect(customer.getByTestId('connection-status')).not.toContainText('Connected');
});

test('the customer ends: the rep sees who left at once; Raise request without a webhook downloads the request JSON', async () => {
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await connectPair(pair);
  await sendMessage(customer, 'I have to go, thanks');
  await customer.getByRole('button', { name: 'Leave session' }).click();
  await customer.getByRole('button', { name: /Yes, leave/ }).click();
  await expect(rep.getByRole('log')).toContainText('Ada left the session.');
  await expect(rep.getByTestId('session-outcome')).toHaveText('Outcome: customer left');

  await rep.getByLabel('Session notes').fill('Customer had to leave; call back tomorrow.');
  const downloading = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Raise request' }).click();
  const file = await downloading;
  expect(file.suggestedFilename()).toMatch(/^parley-request-.*\.json$/);
  const request = JSON.parse(await textOf(file)) as Record<string, any>;
  expect(request.format).toBe('parley-request/1');
  expect(request.outcome.code).toBe('customer-ended');
  expect(request.details.customer).toBe('Ada');
  expect(request.details.customerVerified).toBe(false);
  expect(request.notes).toBe('Customer had to leave; call back tomorrow.');
  expect(request.transcript.some((e: { text: string }) => e.text === 'I have to go, thanks')).toBe(true);
  await expect(rep.getByText('No request address is configured: the request was downloaded as a file.')).toBeVisible();
});

test('notes written during and after the session survive a reload', async () => {
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await connectPair(pair);
  const notes = rep.getByLabel('Session notes');
  await notes.fill('During: printer offline.');
  await expect(rep.getByText('Saved')).toBeVisible();
  await customer.getByRole('button', { name: 'Leave session' }).click();
  await customer.getByRole('button', { name: /Yes, leave/ }).click();
  await expect(rep.getByRole('log')).toContainText('Ada left the session.');
  await notes.fill('During: printer offline.\nAfter: driver reinstalled.');
  await expect(rep.getByText('Saved')).toBeVisible();
  await rep.reload();
  await expect(rep.getByLabel('Session notes')).toHaveValue('During: printer offline.\nAfter: driver reinstalled.');
  // Typed and reloaded at once, inside the save delay: still there.
  await rep.getByLabel('Session notes').fill('Last words before the reload');
  await rep.reload();
  await expect(rep.getByLabel('Session notes')).toHaveValue('Last words before the reload');
});

test('French labels for the rep\'s wrap-up and the customer\'s survey', async ({ browser, baseURL }) => {
  await closePair(pair);
  pair = await openPair(browser, baseURL!, { locale: 'fr-FR' });
  const { rep, customer } = pair;
  await serveDesk(rep, repView());
  await rep.goto('/rep');
  await rep.getByRole('button', { name: 'Démarrer une session' }).click();
  const code = (await rep.getByTestId('session-code').textContent())!.trim();
  await customer.goto('/');
  await customer.getByLabel(/Code de session/).fill(code);
  await customer.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(rep.getByRole('button', { name: 'Proposer des choix' })).toBeEnabled();
  await rep.getByRole('button', { name: 'Marquer comme résolue' }).click();
  await rep.getByRole('button', { name: 'Oui, c’est résolu' }).click();
  await expect(customer.getByRole('form', { name: 'Comment nous sommes-nous débrouillés\u00a0?' })).toBeVisible();
  await expect(customer.getByRole('radio', { name: '5 sur 5' })).toBeVisible();
  await customer.getByRole('button', { name: 'Passer et fermer' }).click();
  await expect(rep.getByTestId('session-outcome')).toHaveText('Issue\u00a0: résolue');
});

test('Raise request posts the report JSON to the webhook from the rep\'s browser: the CSP allows its origin, a failed first attempt is retried', async ({ browser }) => {
  // The organisation's request system: refuses the first POST (503), takes the second.
  const bodies: string[] = [];
  let posts = 0;
  const receiver = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', serverUrl);
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      posts++;
      if (posts === 1) return void res.writeHead(503).end();
      bodies.push(body);
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/parley`;
  const port = SERVERS.requestWebhook;
  const serverUrl = `http://127.0.0.1:${port}`;
  const server = await startServerProcess(port, { PARLEY_TEST_REQUEST_WEBHOOK: hook });
  await closePair(pair);
  pair = await openPair(browser, serverUrl);
  try {
    const { rep, customer } = pair;
    const violations: string[] = [];
    rep.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    const page = await rep.request.get('/rep');
    expect(page.headers()['content-security-policy']).toContain(`connect-src 'self' ${new URL(hook).origin};`);
    // Only the rep console may reach it: the customer's page keeps connect-src 'self'.
    expect((await customer.request.get('/')).headers()['content-security-policy']).toContain("connect-src 'self';");
    await serveDesk(rep, repView({ requestWebhook: hook }));
    await connectPair(pair);
    await sendMessage(customer, 'The printer is offline');
    await rep.getByRole('button', { name: 'Raise request' }).click();
    await expect(rep.getByText(/^Attempt 1 failed \(HTTP 503\)\. Trying again in 1 s/)).toBeVisible();
    await expect(rep.getByText('Request sent.')).toBeVisible();
    expect(posts).toBe(2);
    const request = JSON.parse(bodies[0]!) as Record<string, any>;
    expect(request.format).toBe('parley-request/1');
    expect(request.details.customer).toBe('Ada');
    expect(request.transcript.some((e: { text: string }) => e.text === 'The printer is offline')).toBe(true);
    await expect(rep.getByRole('log')).toContainText('Request raised: the session report was sent.');
    expect(violations).toEqual([]);
  } finally {
    await closePair(pair);
    pair = await openPair(browser, serverUrl); // afterEach closes it
    await server.kill();
    receiver.close();
  }
});

test('signed customer details: a valid token shows the signed name with a lock, a forged one and none show "Unverified"', async () => {
  const { rep, customer } = pair;
  const hmacSecret = Buffer.alloc(32, 7).toString('base64url');
  await serveDesk(rep, repView({ customerSigning: { hmacSecret } }));
  const now = Math.floor(Date.now() / 1000);
  const token = signIdentityHmac({ name: 'Ada Lovelace', email: 'ada@example.com', iat: now - 5, exp: now + 600, iss: 'shop.example.com' }, hmacSecret);

  // Signed: the join link carries the token in its fragment, after the code.
  const { link } = await startSession(rep);
  await customer.goto(`${link}&identity=${token}`);
  await expectConnected(rep, customer);
  // The console keeps one pane per tab: the shown one is the session's.
  const identity = rep.getByTestId('customer-identity').filter({ visible: true });
  await expect(identity).toContainText('Ada Lovelace');
  await expect(identity).toContainText('ada@example.com');
  await expect(identity).toContainText('Verified by shop.example.com');
  await expect(identity).not.toContainText('Unverified');
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();

  // Forged: the same signature on another name.
  const forged = `${Buffer.from(JSON.stringify({ name: 'Mallory', email: 'm@example.com', iat: now - 5, exp: now + 600 })).toString('base64url')}.${token.split('.')[1]}`;
  const second = await startSession(rep);
  await customer.goto(`${second.link}&identity=${forged}`);
  await expectConnected(rep, customer);
  await expect(identity).toContainText('Unverified');
  await expect(identity).toContainText('Signed details rejected (bad signature)');
  await expect(identity).not.toContainText('Verified by');
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();

  // None: the name typed is shown, unverified.
  const third = await startSession(rep);
  await joinByTyping(customer, third.code, 'Ada');
  await expectConnected(rep, customer);
  await expect(identity).toContainText('Ada');
  await expect(identity).toContainText('Unverified');
});
