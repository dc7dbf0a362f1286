import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, expectConnected, joinByTyping, openPair, sendMessage, startSession, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('the server only ever sees ciphertext', async ({ browser, baseURL, request }) => {
  pair = await openPair(browser, baseURL!);
  await request.post('/__test/frames/clear');
  // The customer's request travels in the encrypted hello: the server must not see it either.
  const secretRequest = 'my account number is 987654321 please help';
  const { code } = await startSession(pair.rep);
  await pair.customer.goto('/');
  await pair.customer.getByLabel('Session code').fill(code);
  await pair.customer.getByLabel('Your name (optional)').fill('Ada');
  await pair.customer.getByLabel('What do you need help with? (optional)').fill(secretRequest);
  await pair.customer.getByRole('button', { name: 'Join' }).click();
  await expectConnected(pair.rep, pair.customer);
  await expect(pair.rep.getByTestId('customer-request')).toHaveText(secretRequest);
  const secret = code.replace(/\D/g, '').slice(-6);
  const secretMessage = 'my password is hunter2 and my card is 4111 1111';
  await sendMessage(pair.customer, secretMessage);
  await expect(pair.rep.getByRole('log')).toContainText(secretMessage);
  await sendMessage(pair.rep, 'Thanks, never share it 🔒');
  await expect(pair.customer.getByRole('log')).toContainText('never share it');

  const frames: string[] = await (await request.get('/__test/frames')).json();
  const all = frames.join('\n');
  // The recording did see the session: creation, join and the relayed handshake.
  expect(all).toContain('create-room');
  expect(all).toContain('join-room');
  expect(frames.filter((f) => f.includes('"relay"')).length).toBeGreaterThan(4);
  // …but none of the content: not in the messages' clear parts (the opaque base64url payloads
  // and proofs taken out, since random ciphertext may spell a short word like "Ada" by chance)…
  const payload = /"(data|proof)":"([A-Za-z0-9_-]+)"/g;
  const clearParts = all.replace(payload, '"$1":"…"');
  for (const needle of [secretMessage, 'hunter2', 'never share it', 'a=fingerprint', 'candidate:', 'v=0', 'Ada', secretRequest, '987654321']) {
    expect(clearParts, `server saw ${needle}`).not.toContain(needle);
  }
  expect(clearParts).not.toMatch(new RegExp(`\\b${secret}\\b`));
  // …nor inside the payloads, as bytes (what a payload sent in clear would carry).
  const payloadText = [...all.matchAll(payload)].map((m) => Buffer.from(m[2]!, 'base64url').toString('latin1')).join('\n');
  for (const needle of [secretMessage, 'hunter2', 'never share it', 'a=fingerprint', 'candidate:', secretRequest, '987654321']) {
    expect(payloadText, `a payload carried ${needle}`).not.toContain(Buffer.from(needle).toString('latin1'));
  }
});

test('a tampering relay makes both sides stop with a security error', async ({ browser }) => {
  pair = await openPair(browser, `http://127.0.0.1:${SERVERS.tamper}`);
  const { code } = await startSession(pair.rep);
  await joinByTyping(pair.customer, code);
  // The rep is warned that the session was attacked or the code was wrong; the customer, who
  // cannot tell the two apart, is told the code didn't work and gets the form back.
  await expect(pair.rep.getByRole('alert').first()).toContainText(/Security warning|Security error/);
  await expect(pair.rep.getByTestId('connection-status')).toContainText('failed');
  await expect(pair.customer.getByRole('alert').first()).toContainText(/didn’t work|Security error/);
  await expect(pair.customer.getByRole('button', { name: 'Join' })).toBeVisible();
  for (const page of [pair.rep, pair.customer]) {
    await expect(page.getByText('Connected — end-to-end encrypted')).toHaveCount(0);
  }
  await expect(pair.rep.getByTestId('safety-code')).toHaveCount(0);
  await expect(pair.customer.getByTestId('safety-code')).toHaveCount(0);
});

test('tampered WebRTC signals are caught by the sealing: both sides stop with a security error', async ({ browser }) => {
  pair = await openPair(browser, `http://127.0.0.1:${SERVERS.tamperSignals}`);
  const { code } = await startSession(pair.rep);
  await joinByTyping(pair.customer, code);
  // The code check passes (the log says so), then the altered offer fails authentication.
  await expect(pair.rep.getByRole('log')).toContainText('Code confirmed on both sides');
  for (const page of [pair.rep, pair.customer]) {
    await expect(page.getByRole('alert').first()).toContainText('Security error: a message was altered on the way');
    await expect(page.getByText('Connected — end-to-end encrypted')).toHaveCount(0);
  }
});

test('a wrong code burns the room and the rep is warned', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { code } = await startSession(pair.rep);
  const digits = code.replace(/\D/g, '');
  const lastDigit = Number(digits.at(-1));
  const wrong = `${digits.slice(0, 3)}-${digits.slice(3, -1)}${(lastDigit + 1) % 10}`;
  await joinByTyping(pair.customer, wrong);

  await expect(pair.customer.getByRole('alert')).toContainText('That code didn’t work — ask your support rep for a new one');
  await expect(pair.rep.getByRole('alert')).toContainText('Security warning');
  await expect(pair.rep.getByRole('alert')).toContainText(/wrong code/);
  await expect(pair.rep.getByTestId('connection-status')).toContainText('failed');

  // The right code no longer works: the room is burned.
  const late = await pair.customerContext.newPage();
  await joinByTyping(late, code);
  await expect(late.getByRole('alert')).toContainText('That code didn’t work');
  await expect(pair.rep.getByTestId('connection-status')).not.toContainText('Connected');
});
