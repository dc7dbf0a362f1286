/**
 * Shared sessions in browsers: a customer on /support, rep A who accepts the chat and rep B
 * (three browser contexts, open mode, test/e2e/desk-shared.config.json). A invites B; B accepts
 * and sees the recent history; A writes "To: Reps only" and B sees it marked private, while the
 * customer's page, its decrypted transcript (IndexedDB) and its traffic (data-channel and
 * WebSocket frames, recorded in the page) never hold it; A transfers the chat to B and leaves,
 * and the customer goes on with B; a transfer keeps the chat's queue in the new rep's details.
 * Also "Move queue" (the customer waits again in another queue), and the French labels of the
 * new controls. Files between reps: shared-files.spec.ts.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { acceptChat, chatLog, closeContexts, customer, customerTranscript, invite, repConsole, say, visiblePanel } from './shared-fixtures.ts';

const SHOTS = '/tmp/shared-shots';
const SECRET = 'PRIVATE-7f3a: customer is on the legacy plan';

test.describe.configure({ timeout: 180_000 });
mkdirSync(SHOTS, { recursive: true });
test.afterEach(closeContexts);

test('A invites B, B gets the history, private lines stay among reps, then A transfers to B and leaves', async ({ browser }) => {
  const a = await repConsole(browser, 'Amy');
  const b = await repConsole(browser, 'Bo');
  const ada = await customer(browser, 'Ada');
  await acceptChat(a, ada, 'Ada');

  await ada.getByLabel('Message', { exact: true }).fill('my printer is offline');
  await ada.getByLabel('Message', { exact: true }).press('Enter');
  await expect(chatLog(a).getByText('my printer is offline')).toBeVisible();
  await say(a, 'Let me ask a colleague');
  await expect(ada.getByText('Let me ask a colleague')).toBeVisible();

  // A invites B by name; B sees the invitation and accepts it.
  await invite(a, 'Bo', 'en');
  await expect(visiblePanel(a).getByText('Invited, not joined yet')).toBeVisible();
  const card = b.getByRole('group', { name: 'Amy invites you to help with a chat' });
  await expect(card).toBeVisible();
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect(b.getByRole('tab', { name: /Ada \(helping\)/ })).toBeVisible();
  // The recent history arrived over the reps' encrypted link.
  await expect(chatLog(b).getByText('my printer is offline')).toBeVisible();
  await expect(chatLog(b).getByText('Let me ask a colleague')).toBeVisible();
  // Everyone is listed; B is hidden from the customer until A shows it.
  const participantsA = visiblePanel(a).getByRole('region', { name: 'Participants' });
  await expect(participantsA.getByText('Bo')).toBeVisible();
  await expect(participantsA.getByText('Hidden from the customer')).toBeVisible();
  await expect(visiblePanel(b).getByRole('region', { name: 'Participants' }).getByText('Amy')).toBeVisible();
  await a.screenshot({ path: `${SHOTS}/en-host-invited.png` });
  // A shows B to the customer, who is told B joined.
  await participantsA.getByRole('button', { name: 'Show to customer: Bo' }).click();
  await expect(ada.getByText('Bo joined the chat.')).toBeVisible();
  await expect(participantsA.getByText('Hidden from the customer')).toHaveCount(0);

  // A writes to the reps only: B sees it marked private.
  const to = visiblePanel(a).getByLabel('To', { exact: true });
  await to.selectOption('reps');
  await say(a, SECRET);
  const privateAtB = chatLog(b).getByRole('listitem').filter({ hasText: SECRET });
  await expect(privateAtB).toBeVisible();
  await expect(privateAtB.getByText('Reps only')).toBeVisible();
  const privateAtA = chatLog(a).getByRole('listitem').filter({ hasText: SECRET });
  await expect(privateAtA.getByText('Reps only')).toBeVisible();
  // B's browser said it has the line: A's copy reads "Delivered", as a line to the customer does.
  await expect(privateAtA.getByText('Delivered')).toBeVisible();
  // B answers privately too: A sees it marked, and B's chooser goes back to everyone after.
  const toB = visiblePanel(b).getByLabel('To', { exact: true });
  await toB.selectOption('reps');
  await say(b, 'PRIVATE-7f3a too: I will take it');
  await expect(chatLog(a).getByRole('listitem').filter({ hasText: 'PRIVATE-7f3a too' }).getByText('Reps only')).toBeVisible();
  // …and B's copy reads "Delivered" once the host (the only other rep) has it.
  await expect(chatLog(b).getByRole('listitem').filter({ hasText: 'PRIVATE-7f3a too' }).getByText('Delivered')).toBeVisible();
  await toB.selectOption('all');
  // B answers the customer (to everyone), who sees it under B's name; B's copy reads "Delivered"
  // once the customer's browser has it (the host passes the customer's receipt on).
  await say(b, 'Hi Ada, Bo here from printing');
  await expect(ada.getByText('Hi Ada, Bo here from printing')).toBeVisible();
  await expect(chatLog(b).getByRole('listitem').filter({ hasText: 'Hi Ada, Bo here from printing' }).getByText('Delivered')).toBeVisible();
  await expect(chatLog(a).getByText('Hi Ada, Bo here from printing')).toBeVisible();
  // The customer writes again: both reps see it.
  await ada.getByLabel('Message', { exact: true }).fill('thanks');
  await ada.getByLabel('Message', { exact: true }).press('Enter');
  await expect(chatLog(b).getByText('thanks', { exact: true })).toBeVisible();
  await a.screenshot({ path: `${SHOTS}/en-host-private.png` });
  await b.screenshot({ path: `${SHOTS}/en-guest-private.png` });

  // A's export keeps the private lines, marked.
  const download = a.waitForEvent('download');
  await visiblePanel(a).getByRole('button', { name: 'Export transcript' }).click();
  const exported = readFileSync((await (await download).path())!, 'utf8');
  const line = exported.split('\n').find((l) => l.includes('customer is on the legacy plan'));
  expect(line).toContain('Amy (🔒 Reps only)');

  // Shared notes: what A notes, B sees.
  await visiblePanel(a).getByLabel('Session notes').fill('Legacy plan, printer model X200');
  await expect(visiblePanel(b).getByRole('group', { name: 'Notes from Amy' })).toContainText('Legacy plan, printer model X200');

  // The private line never reached the customer: not on the page, not in its decrypted
  // transcript, not in any frame its browser sent or received.
  await expect(ada.getByText('thanks', { exact: true })).toBeVisible();
  expect(await ada.locator('body').innerText()).not.toContain('PRIVATE-7f3a');
  const transcript = await customerTranscript(ada);
  expect(transcript).toContain('Hi Ada, Bo here from printing'); // the seam works: it does hold what the customer received
  expect(transcript).not.toContain('PRIVATE-7f3a');
  const frames = await ada.evaluate(() => (window as unknown as { __frames: string[] }).__frames);
  expect(frames.some((f) => f.startsWith('dc<'))).toBe(true);
  expect(frames.join('\n')).not.toContain('PRIVATE-7f3a');

  // Transfer: A hands the customer to B and leaves; the customer goes on with B.
  await invite(a, 'Bo', 'en', true);
  const transferCard = b.getByRole('group', { name: 'Amy wants to transfer a chat to you' });
  await transferCard.getByRole('button', { name: 'Accept' }).click();
  await expect(ada.getByText('You are now talking to Bo.')).toBeVisible();
  await expect(chatLog(a).getByText('Transferred to Bo')).toBeVisible();
  await expect(b.getByRole('tab', { name: /Ada$/ })).toBeVisible();
  await expect(visiblePanel(b).getByLabel('Message', { exact: true })).toBeEnabled();
  // The history, private lines too, heads B's transcript of the customer session.
  await expect(chatLog(b).getByText(SECRET)).toBeVisible();
  await expect(ada.getByLabel('Message', { exact: true })).toBeEnabled();
  await say(b, 'Still here, Ada?');
  await expect(ada.getByText('Still here, Ada?')).toBeVisible();
  await ada.getByLabel('Message', { exact: true }).fill('yes, thank you');
  await ada.getByLabel('Message', { exact: true }).press('Enter');
  await expect(chatLog(b).getByText('yes, thank you')).toBeVisible();
  await b.screenshot({ path: `${SHOTS}/en-after-transfer.png` });
  expect(await ada.locator('body').innerText()).not.toContain('PRIVATE-7f3a');
  expect(await customerTranscript(ada)).not.toContain('PRIVATE-7f3a');
});

test('a transfer keeps the queue: the new rep\'s details name it, not "Code session"', async ({ browser }) => {
  const a = await repConsole(browser, 'Amy');
  const b = await repConsole(browser, 'Bo');
  const ben = await customer(browser, 'Ben', 'Billing');
  await acceptChat(a, ben, 'Ben');
  await invite(a, 'Bo', 'en', true);
  await b.getByRole('group', { name: 'Amy wants to transfer a chat to you' }).getByRole('button', { name: 'Accept' }).click();
  await expect(ben.getByText('You are now talking to Bo.')).toBeVisible();
  await expect(b.getByRole('tab', { name: /Ben$/ })).toBeVisible();
  const details = visiblePanel(b).getByRole('region', { name: 'Session details' });
  await expect(details.getByRole('definition').filter({ hasText: 'Billing' })).toBeVisible();
  await expect(details).not.toContainText('Code session');
});

test('Move queue: the chat waits again in another queue, where reps see it moved, and the customer is told', async ({ browser }) => {
  const a = await repConsole(browser, 'Amy');
  const ben = await customer(browser, 'Ben');
  await acceptChat(a, ben, 'Ben');
  // Nobody else serves Billing now: inviting "any available rep" of it says so, translated.
  await visiblePanel(a).getByRole('button', { name: 'Invite' }).click();
  const dialog = a.getByRole('dialog', { name: 'Invite a colleague' });
  await expect(dialog.getByText('No colleague is signed in right now.')).toBeVisible();
  await dialog.getByRole('radio', { name: 'Any available rep of a queue' }).check();
  await dialog.getByLabel('Queue', { exact: true }).selectOption({ label: 'Billing' });
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('No rep is available for that right now.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  await visiblePanel(a).getByRole('button', { name: 'Move queue' }).click();
  await visiblePanel(a).getByLabel('Queue', { exact: true }).selectOption({ label: 'Billing' });
  await a.screenshot({ path: `${SHOTS}/en-move-queue.png` });
  await visiblePanel(a).getByRole('button', { name: 'Move', exact: true }).click();
  // The chat waits in Billing again, marked as moved by Amy, and A's tab says where it went.
  const row = a.getByTestId('queue-row').filter({ hasText: 'Moved here by Amy' });
  await expect(row).toContainText('Billing');
  await expect(chatLog(a).getByText('Moved to Billing')).toBeVisible();
  // The customer's browser was given its new place in the Billing queue (desk-requeued).
  await expect
    .poll(async () => (await ben.evaluate(() => (window as unknown as { __frames: string[] }).__frames)).some((f) => f.startsWith('ws<') && f.includes('desk-requeued') && f.includes('"queue":"billing"')))
    .toBe(true);
  // Ben's page waits again, in Billing, and says why; his details are sealed again for the reps.
  await expect(ben.getByText('Your rep moved your chat to “Billing”: a rep of that team will answer you here.')).toBeVisible();
  await expect(ben.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
  await expect(ben.getByTestId('queue-position')).toHaveText('1');
  await expect(row).toContainText('Ben');
  // Amy takes it again from Billing: a new chat starts.
  await row.getByRole('button', { name: 'Accept' }).click();
  await expect(ben.getByTestId('connection-status')).toContainText('Connected');
});

test('French: the shared-session controls are translated', async ({ browser }) => {
  const a = await repConsole(browser, 'Amélie', 'fr');
  const b = await repConsole(browser, 'Bruno', 'fr');
  const cleo = await customer(browser, 'Cléo');
  await acceptChat(a, cleo, 'Cléo', 'fr');
  const panel = visiblePanel(a);
  await expect(panel.getByRole('button', { name: 'Inviter' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Transférer' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Changer de file' })).toBeVisible();
  await invite(a, 'Bruno', 'fr');
  const card = b.getByRole('group', { name: 'Amélie vous invite à aider dans une discussion' });
  await card.getByRole('button', { name: 'Accepter' }).click();
  await expect(panel.getByRole('region', { name: 'Participants' }).getByText('Caché au client')).toBeVisible();
  const to = panel.getByLabel('À', { exact: true });
  await expect(to.locator('option[value="reps"]')).toHaveText(/Conseillers seulement/);
  await to.selectOption('reps');
  await say(a, 'Note interne : ancien forfait');
  await expect(chatLog(b).getByRole('listitem').filter({ hasText: 'Note interne' }).getByText('Conseillers seulement')).toBeVisible();
  // Files between reps: the card is marked in French, and a colleague attaching for everyone is told why not.
  await panel.getByLabel('Joindre des fichiers').setInputFiles({ name: 'forfait.txt', mimeType: 'text/plain', buffer: Buffer.from('ancien forfait') });
  await panel.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await expect(chatLog(b).getByRole('region', { name: 'Fichiers de Amélie (Conseillers seulement)' })).toBeVisible();
  const panelB = visiblePanel(b);
  await panelB.getByLabel('Joindre des fichiers').setInputFiles({ name: 'journal.txt', mimeType: 'text/plain', buffer: Buffer.from('journal') });
  await panelB.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await expect(panelB.getByRole('alert')).toContainText('Les fichiers envoyés d’ici ne vont qu’aux conseillers');
  await a.screenshot({ path: `${SHOTS}/fr-host-private.png` });
  await b.screenshot({ path: `${SHOTS}/fr-guest-private.png` });
  await panel.getByRole('button', { name: 'Transférer' }).click();
  await expect(a.getByRole('dialog', { name: 'Transférer à un collègue' })).toBeVisible();
  await a.screenshot({ path: `${SHOTS}/fr-transfer-dialog.png` });
});
