import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';
import { closePair, connectPair, dropLinks, openPair, recordPeerConnections, type Pair } from './fixtures.ts';
import { nodeContentHash } from '../content-hash-node.ts';
import { MB, attach, chunksSettled, controlBulk, downloadHash, holdChunksAfter, payload, releaseChunks, send, sha256, waitForProgress } from './file-fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('a 3 MB binary file goes each way with the same SHA-256, and the transcript records each transfer', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;

  const toCustomer = payload('manual.pdf', 3 * MB);
  await attach(rep, [toCustomer]);
  await send(rep);
  await expect(rep.getByText('Waiting for Ada to accept')).toBeVisible();
  // Nothing flows before the customer says yes: no progress bar anywhere.
  await expect(customer.getByRole('progressbar')).toHaveCount(0);
  await customer.getByRole('button', { name: 'Accept manual.pdf', exact: true }).click();
  await expect(rep.getByText('Delivered — Ada checked that it arrived intact')).toBeVisible();
  await expect(customer.getByText('Received — checked intact (content hash)')).toBeVisible();
  expect(await downloadHash(customer, 'manual.pdf')).toBe(sha256(toCustomer.buffer));

  const toRep = payload('crash-dump.pdf', 3 * MB);
  await attach(customer, [toRep]);
  await send(customer);
  await rep.getByRole('button', { name: 'Accept crash-dump.pdf', exact: true }).click();
  await expect(customer.getByText('Delivered — Support checked that it arrived intact')).toBeVisible();
  expect(await downloadHash(rep, 'crash-dump.pdf')).toBe(sha256(toRep.buffer));

  // The report has every step, with names, sizes, hashes and who did what (never the bytes).
  await rep.getByLabel('Format').selectOption('json');
  const exported = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  const report = JSON.parse(await readFile((await (await exported).path())!, 'utf8')) as { events: { text: string }[] };
  const lines = report.events.map((e) => e.text);
  expect(lines).toEqual(
    expect.arrayContaining([
      `You offered “manual.pdf” (3 MB, content hash ${nodeContentHash(toCustomer.buffer)}).`,
      'Ada accepted “manual.pdf”.',
      `Sent “manual.pdf”: Ada confirmed it arrived intact (content hash ${nodeContentHash(toCustomer.buffer)}).`,
      `Ada offered “crash-dump.pdf” (3 MB, content hash ${nodeContentHash(toRep.buffer)}).`,
      'You accepted “crash-dump.pdf”.',
      `Received “crash-dump.pdf” from Ada (3 MB), content hash ${nodeContentHash(toRep.buffer)} checked.`,
    ]),
  );
  expect(JSON.stringify(report).length).toBeLessThan(100_000);
});

test('a 25 MB file and a disallowed type are refused on the sender’s side, naming the file and the rule; nothing is offered', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;

  await attach(customer, [payload('big.pdf', 25 * MB), payload('holiday.mov', 2000, 'video/quicktime'), payload('notes.txt', 100, 'text/plain')]);
  const problems = customer.getByRole('alert');
  await expect(problems.getByText('“big.pdf” is 25 MB; the limit is 20 MB.')).toBeVisible();
  await expect(problems.getByText('“holiday.mov” can’t be sent: files of type video/quicktime are not allowed.')).toBeVisible();
  await customer.getByLabel('Message', { exact: true }).fill('see attached');

  // The batch is kept for fixing: Send sends nothing and says why.
  await send(customer);
  await expect(problems.getByText('Nothing was sent: remove the files marked in red, then send again.')).toBeVisible();
  await expect(customer.getByLabel('Message', { exact: true })).toHaveValue('see attached');
  await expect(rep.getByRole('log')).not.toContainText('notes.txt');
  await expect(rep.getByRole('log')).not.toContainText('see attached');

  await customer.getByRole('button', { name: 'Remove big.pdf' }).click();
  await customer.getByRole('button', { name: 'Remove holiday.mov' }).click();
  await expect(customer.getByRole('alert')).toHaveCount(0);
  await send(customer);
  await expect(rep.getByRole('button', { name: 'Accept notes.txt', exact: true })).toBeVisible();
  await expect(rep.getByRole('log')).toContainText('see attached');
  await expect(rep.getByRole('log')).not.toContainText('big.pdf');
});

test('five attachments go with one message (a sixth is refused until removed); Accept all', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;

  const files = [
    payload('one.txt', 10, 'text/plain'),
    payload('two.pdf', 200_000),
    payload('three.txt', 0, 'text/plain'),
    payload('four.pdf', 70_000),
    payload('five.txt', 5, 'text/plain'),
  ];
  await attach(rep, [...files, payload('six.txt', 6, 'text/plain')]);
  await expect(rep.getByRole('alert')).toContainText('“six.txt” can’t be sent: at most 5 files can go with one message.');
  await rep.getByRole('button', { name: 'Remove six.txt' }).click();
  await rep.getByLabel('Message', { exact: true }).fill('Here are the five files');
  await send(rep);
  await expect(rep.getByLabel('Message', { exact: true })).toHaveValue('');

  const card = customer.getByRole('region', { name: 'Files from Support' });
  await expect(customer.getByRole('log')).toContainText('Here are the five files');
  for (const file of files) await expect(card.getByText(file.name, { exact: true })).toBeVisible();
  await card.getByRole('button', { name: 'Accept all' }).click();
  for (const file of files) expect(await downloadHash(customer, file.name)).toBe(sha256(file.buffer));
  await expect(rep.getByText('Delivered — Ada checked that it arrived intact')).toHaveCount(5);
  // The message sent with the files is acknowledged like any other.
  await expect(rep.getByText('✓✓ Delivered')).toBeVisible();
});

test('cancel mid-way, from either side: both sides show who cancelled', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await controlBulk(customer);
  await connectPair(pair);

  // The customer has received 20 of the 66 chunks when the rep cancels.
  await holdChunksAfter(customer, 20);
  await attach(rep, [payload('first.pdf', 4 * MB)]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept first.pdf', exact: true }).click();
  await waitForProgress(customer, 'first.pdf', 0.25);
  await rep.getByRole('button', { name: 'Cancel first.pdf', exact: true }).click();
  await expect(rep.getByText('Cancelled by you')).toBeVisible();
  await expect(customer.getByText('Cancelled by Support')).toBeVisible();
  await releaseChunks(customer); // chunks still on their way are dropped quietly
  await expect(customer.getByRole('link', { name: 'first.pdf' })).toHaveCount(0);
  await chunksSettled(customer); // the rest of first.pdf must not count as second.pdf's chunks

  // And the customer cancels the next one at the same point.
  await holdChunksAfter(customer, 20);
  await attach(rep, [payload('second.pdf', 4 * MB)]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept second.pdf', exact: true }).click();
  await waitForProgress(customer, 'second.pdf', 0.25);
  await customer.getByRole('button', { name: 'Cancel second.pdf', exact: true }).click();
  await expect(customer.getByText('Cancelled by you')).toBeVisible();
  await expect(rep.getByText('Cancelled by Ada')).toBeVisible();
  await releaseChunks(customer);
  await expect(customer.getByRole('log')).not.toContainText('Error');
  // The chat goes on.
  await customer.getByLabel('Message', { exact: true }).fill('never mind');
  await send(customer);
  await expect(rep.getByRole('log')).toContainText('never mind');
});

test('a transfer cut by a reconnect resumes where it stopped and arrives intact', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  const { rep, customer } = pair;
  await recordPeerConnections(customer);
  await controlBulk(customer);
  await connectPair(pair);

  // The customer has 20 of the 66 chunks when its connection closes; the rest comes on the new link.
  await holdChunksAfter(customer, 20);
  const file = payload('firmware.pdf', 4 * MB);
  await attach(rep, [file]);
  await send(rep);
  await customer.getByRole('button', { name: 'Accept firmware.pdf', exact: true }).click();
  await waitForProgress(customer, 'firmware.pdf', 0.25);
  // The pause can be shorter than a poll when the link comes back at once: watch for it instead.
  await customer.evaluate(() => {
    const seen = () => document.body.textContent?.includes('Paused — reconnecting…') ?? false;
    const flag = window as unknown as { pauseSeen?: boolean };
    flag.pauseSeen = seen();
    new MutationObserver(() => { if (seen()) flag.pauseSeen = true; })
      .observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  expect(await dropLinks(customer)).toBe(1);
  await expect.poll(() => customer.evaluate(() => (window as unknown as { pauseSeen?: boolean }).pauseSeen)).toBe(true);
  await releaseChunks(customer); // what the dead link still held goes nowhere
  for (const page of [rep, customer]) {
    await expect(page.getByRole('log')).toContainText('Reconnected: end-to-end encrypted again, same safety code.');
  }
  await expect(customer.getByText('Received — checked intact (content hash)')).toBeVisible();
  expect(await downloadHash(customer, 'firmware.pdf')).toBe(sha256(file.buffer));
  await expect(rep.getByText('Delivered — Ada checked that it arrived intact')).toBeVisible();
  await expect(customer.getByRole('log')).not.toContainText('failed');
});

test('files dropped on the chat and pictures pasted into the message box are attached', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const { rep, customer } = pair;

  // A drop carrying a file, as the browser delivers it.
  const dropped = await customer.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(['printer log line\n'], 'printer.log', { type: '' }));
    return data;
  });
  const chat = customer.getByRole('log');
  await chat.dispatchEvent('dragenter', { dataTransfer: dropped });
  await expect(customer.getByText('Drop files here to attach them')).toBeVisible();
  await chat.dispatchEvent('drop', { dataTransfer: dropped });
  await expect(customer.getByText('Drop files here to attach them')).toHaveCount(0);
  await expect(customer.getByRole('list', { name: 'Files to send' })).toContainText('printer.log');

  // A pasted screenshot (the clipboard names it image.png).
  const pasted = await customer.evaluateHandle(async () => {
    const canvas = new OffscreenCanvas(40, 30);
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#2f5bea';
    context.fillRect(0, 0, 40, 30);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const data = new DataTransfer();
    data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
    return data;
  });
  await customer.getByLabel('Message', { exact: true }).evaluate((box, data) => {
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data as DataTransfer, bubbles: true, cancelable: true }));
  }, pasted);
  await expect(customer.getByRole('list', { name: 'Files to send' })).toContainText(/pasted-image-[\d-]+\.png/);
  await send(customer);

  const card = rep.getByRole('region', { name: 'Files from Ada' });
  await expect(card.getByText('printer.log', { exact: true })).toBeVisible();
  // The picture's preview came with the offer, before any byte of the file.
  await expect(card.locator('img')).toHaveCount(1);
  expect(await card.locator('img').getAttribute('src')).toMatch(/^blob:/);
  await card.getByRole('button', { name: 'Accept all' }).click();
  expect(await downloadHash(rep, 'printer.log')).toBe(sha256(Buffer.from('printer log line\n')));
  await expect(rep.getByRole('link', { name: /pasted-image-[\d-]+\.png/ })).toBeVisible();
});

test('the server’s file policy reaches both browsers: limits, types, and auto-accept of the rep’s files', async ({ browser }) => {
  pair = await openPair(browser, `http://127.0.0.1:${SERVERS.filesAuto}`);
  await connectPair(pair);
  const { rep, customer } = pair;

  // This server allows 1 MB of text or PNG, and customers take the rep's files without asking.
  const guide = payload('guide.txt', 300_000, 'text/plain');
  await attach(rep, [guide]);
  await send(rep);
  await expect(customer.getByText('Received — checked intact (content hash)')).toBeVisible();
  await expect(customer.getByRole('button', { name: 'Accept guide.txt' })).toHaveCount(0);
  expect(await downloadHash(customer, 'guide.txt')).toBe(sha256(guide.buffer));
  await expect(customer.getByRole('log')).not.toContainText('You accepted');

  await attach(customer, [payload('photo.png', 2 * MB, 'image/png'), payload('report.pdf', 10)]);
  await expect(customer.getByRole('alert')).toContainText('“photo.png” is 2 MB; the limit is 1 MB.');
  await expect(customer.getByRole('alert')).toContainText('“report.pdf” can’t be sent: files of type application/pdf are not allowed.');
  await customer.getByRole('button', { name: 'Remove photo.png' }).click();
  await customer.getByRole('button', { name: 'Remove report.pdf' }).click();

  // The rep is still asked for the customer's files.
  await attach(customer, [payload('log.txt', 100, 'text/plain')]);
  await send(customer);
  await expect(rep.getByRole('button', { name: 'Accept log.txt', exact: true })).toBeVisible();
});

test('in French, refusals and the card read in French', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!, { locale: 'fr-FR' });
  const { rep, customer } = pair;
  await rep.goto('/rep');
  await rep.getByRole('button', { name: 'Démarrer une session' }).first().click();
  const code = (await rep.getByTestId('session-code').textContent())!.trim();
  await customer.goto('/');
  await customer.getByLabel('Code de session').fill(code);
  await customer.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(customer.getByTestId('connection-status')).toContainText('Connecté');

  await customer.getByLabel('Joindre des fichiers').setInputFiles([payload('vacances.mov', 10, 'video/quicktime')]);
  await expect(customer.getByRole('alert')).toContainText('« vacances.mov » ne peut pas être envoyé : les fichiers de type video/quicktime ne sont pas autorisés.');
  await customer.getByRole('button', { name: 'Retirer vacances.mov' }).click();
  await customer.getByLabel('Joindre des fichiers').setInputFiles([payload('facture.pdf', 1000)]);
  await customer.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await rep.getByRole('button', { name: 'Refuser facture.pdf', exact: true }).click();
  await expect(customer.getByText('Assistance l’a refusé')).toBeVisible();
});
