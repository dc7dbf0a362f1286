/**
 * A hostile peer: a modified customer page sends the rep malformed, oversized, unexpected and
 * flooding messages through the real, verified, sealed data channel (and a modified rep page
 * floods the customer with the messages only a rep may send). The rep's page rejects
 * each bad message with a few translated warning lines, drops floods, stays responsive (it can
 * still chat) and its JS heap stays bounded.
 *
 * How the messages are crafted without a test hook in the product: an init script wraps the
 * customer page's own `JSON.stringify`. The page's sealing code (`sealJson`) stringifies every
 * peer message before sealing it under the real session keys and counters; when the value is a
 * chat whose text is `⚠hostile:N`, the wrapper returns crafted message N instead. So the test
 * types N chat messages and each leaves as one crafted, authentic frame. Nothing of this ships:
 * the wrapper exists only in the test's browser context.
 */
import { expect, test, type Page } from '@playwright/test';
import { closePair, connectPair, openPair, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

const TRIGGER = '⚠hostile:';

async function armHostile(page: Page): Promise<void> {
  await page.addInitScript((trigger) => {
    // No storage on the hostile page: its own transcript writes would pace the flood to the
    // speed of IndexedDB (its session carries on with a storage warning).
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
    const original = JSON.stringify;
    const w = window as unknown as { __hostile: unknown[] };
    w.__hostile = [];
    JSON.stringify = function (this: unknown, value: unknown, ...rest: unknown[]) {
      const v = value as { type?: unknown; text?: unknown } | null;
      if (v && typeof v === 'object' && v.type === 'chat' && typeof v.text === 'string' && v.text.startsWith(trigger)) {
        const crafted = w.__hostile[Number(v.text.slice(trigger.length))];
        return original(crafted);
      }
      return (original as (...args: unknown[]) => string).call(this, value, ...rest);
    } as typeof JSON.stringify;
  }, TRIGGER);
}

/** Sends each crafted message through the page's own composer and sealing. */
async function sendCrafted(page: Page, messages: unknown[]): Promise<void> {
  await page.evaluate(
    async ({ messages, trigger }) => {
      (window as unknown as { __hostile: unknown[] }).__hostile = messages;
      // The rep console keeps one composer per tab: the shown tab's.
      const box = (document.querySelector('[role="tabpanel"]:not([hidden]) textarea[id^="message-input"]') ?? document.getElementById('message-input')) as HTMLTextAreaElement;
      const form = box.closest('form')!;
      // A task-queue yield without setTimeout's 4 ms clamp: the flood goes as fast as the page can send.
      const yieldNow = () => new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        channel.port2.postMessage(0);
      });
      for (let i = 0; i < messages.length; i++) {
        box.value = `${trigger}${i}`;
        box.dispatchEvent(new Event('input', { bubbles: true }));
        form.requestSubmit();
        // The composer clears once the message is sealed, sent and logged.
        for (let k = 0; k < 5000 && box.value !== ''; k++) await yieldNow();
      }
    },
    { messages, trigger: TRIGGER },
  );
}

const id = (n: number) => `hostile_${String(n).padStart(6, '0')}`;
const SHA = '0'.repeat(64);
const offer = (n: number, file: Record<string, unknown>) => ({
  type: 'file-offer',
  id: id(n),
  files: [{ fid: id(n + 1), name: 'notes.txt', size: 10, mime: 'text/plain', sha256: SHA, ...file }],
});

/** Every kind of bad message a modified peer can seal, plus floods. */
function craftedMessages(): { messages: unknown[]; floodChats: number; floodOffers: number } {
  const floodChats = 300;
  const floodOffers = 60;
  const messages: unknown[] = [];
  for (let i = 0; i < floodChats; i++) messages.push({ type: 'chat', id: id(10_000 + i), text: `flood ${i}`, sentAt: Date.now() });
  for (let i = 0; i < 200; i++) messages.push({ type: 'typing', active: i % 2 === 0 });
  for (let i = 0; i < floodOffers; i++) messages.push(offer(20_000 + 2 * i, { name: `flood-${i}.txt` }));
  for (let i = 0; i < 50; i++) messages.push({ type: 'screen-state', state: i % 2 ? 'stopped' : 'started' });
  messages.push(
    // wrong types and shapes
    null, [], 42, 'a bare string', { type: 'nope' }, { type: 'chat', id: 123, text: 5 },
    { type: 'chat', id: id(1), text: 'x'.repeat(10_001), sentAt: 1 }, // over MAX_CHAT_CHARS
    { type: 'chat', id: id(2), text: 'negative time', sentAt: -5 },
    // unexpected: a second hello, a late proof, things only a rep may send
    { type: 'hello', version: 2, role: 'customer', name: 'Someone else', capabilities: [] },
    { type: 'fp-proof', local: 'sha-256 AA', remote: 'sha-256 BB', mac: 'A'.repeat(43) },
    { type: 'url-push', id: id(3), url: 'https://evil.example/' },
    { type: 'url-push', id: id(4), url: 'javascript:alert(1)' },
    { type: 'nudge' }, { type: 'screen-request' },
    // hostile file offers: path traversal, disguised extensions, negative and huge sizes, too many files
    offer(5, { name: '../../etc/passwd' }),
    offer(7, { name: '..\\..\\windows\\system32\\evil.dll' }),
    offer(9, { name: 'invoice\u202Etxt.exe' }),
    offer(11, { name: '..' }),
    offer(13, { size: -1 }),
    offer(15, { size: 2 ** 53 }),
    { type: 'file-offer', id: id(17), files: Array.from({ length: 6 }, (_, i) => ({ fid: id(18 + i), name: `f${i}.txt`, size: 1, mime: 'text/plain', sha256: SHA })) },
    // out of order: answers and progress for files that were never offered
    { type: 'file-accept', fid: id(30) }, { type: 'file-ack', fid: id(30), next: 4_000_000 },
    { type: 'file-done', fid: id(30), ok: true }, { type: 'file-cancel', fid: id(30), reason: 'error' },
    { type: 'file-resume', fid: id(30), next: -1 },
  );
  return { messages, floodChats, floodOffers };
}

test('a hostile customer cannot crash, freeze or exhaust the rep: bad messages are rejected and logged, floods dropped', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  pair = await openPair(browser, baseURL!);
  await armHostile(pair.customer);
  await connectPair(pair);

  const cdp = await pair.repContext.newCDPSession(pair.rep);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const heapBefore = await heap();

  const { messages, floodChats, floodOffers } = craftedMessages();
  const started = Date.now();
  await sendCrafted(pair.customer, messages);
  const sendingSeconds = (Date.now() - started) / 1000;

  const repLog = pair.rep.getByRole('log');
  // Rejections are logged, in words, and a flood of them produces only a few lines.
  await expect(repLog).toContainText('A message from the other side could not be understood.');
  await expect(repLog).toContainText('The other side sent too many messages too fast; the extra ones were ignored.');
  const warningLines = await repLog.getByText(/could not be understood|too many messages too fast|too long|could not go on/).count();
  expect(warningLines).toBeGreaterThan(0);
  expect(warningLines).toBeLessThan(20);

  // Floods were cut: some chats and offers got through, most did not.
  const shownChats = await repLog.getByText(/^flood \d+$/).count();
  expect(shownChats).toBeGreaterThan(0);
  expect(shownChats).toBeLessThan(floodChats);
  const shownOffers = await pair.rep.getByText(/^flood-\d+\.txt$/).count();
  expect(shownOffers).toBeLessThan(floodOffers);

  // Nothing from the hostile offers or rep-only messages reached the page.
  for (const name of ['passwd', 'evil.dll', 'txt.exe', 'evil.example']) await expect(pair.rep.getByText(name)).toHaveCount(0);
  await expect(pair.rep.getByText('Someone else')).toHaveCount(0);

  // Still connected and responsive both ways. (The customer's chat may meet the chat limit
  // while it refills: it sends again until one gets through, as a person would.)
  await expect(pair.rep.getByTestId('connection-status')).toContainText('Connected');
  await expect(async () => {
    await sendMessage(pair.customer, 'Are you still there?');
    await expect(repLog).toContainText('Are you still there?', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await sendMessage(pair.rep, 'Yes, still here');
  await expect(pair.customer.getByRole('log')).toContainText('Yes, still here');

  // Memory stays bounded: hundreds of messages cost the rep a few MB at most.
  const growthMb = ((await heap()) - heapBefore) / 1024 / 1024;
  console.log(`rep after ${messages.length} hostile messages sent in ${sendingSeconds.toFixed(1)} s: ${warningLines} warning lines, ${shownChats}/${floodChats} flood chats and ${shownOffers}/${floodOffers} flood offers shown, heap ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB`);
  expect(growthMb).toBeLessThan(30);
});

test('a hostile rep cannot flood the customer with nudges, pages to open or screen requests', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  pair = await openPair(browser, baseURL!);
  await armHostile(pair.rep);
  await connectPair(pair);

  const messages: unknown[] = [];
  for (let i = 0; i < 100; i++) messages.push({ type: 'url-push', id: id(40_000 + i), url: `https://evil.example/${i}` });
  for (let i = 0; i < 100; i++) messages.push({ type: 'nudge' });
  for (let i = 0; i < 50; i++) messages.push({ type: 'screen-request' });
  messages.push(
    { type: 'url-push', id: id(1), url: 'javascript:alert(document.cookie)' },
    { type: 'url-push', id: id(2), url: 'data:text/html,<script>alert(1)</script>' },
    { type: 'screen-state', state: 'started' }, // only a customer sends this
    { type: 'bye', reason: 'because' },
  );
  await sendCrafted(pair.rep, messages);

  const log = pair.customer.getByRole('log');
  await expect(log).toContainText('A message from the other side could not be understood.');
  // A few pages, nudges and screen requests act; the floods behind them do not.
  await expect(log).toContainText('evil.example/0');
  const pages = await log.getByText(/opened a page for you|sent a page to open/).count();
  expect(pages).toBeGreaterThan(0);
  expect(pages).toBeLessThanOrEqual(5);
  const nudges = await log.getByText(/nudged you\./).count();
  expect(nudges).toBeGreaterThan(0);
  expect(nudges).toBeLessThan(10);
  const screenAsks = await log.getByText(/asks to see your screen\./).count();
  expect(screenAsks).toBeGreaterThan(0);
  expect(screenAsks).toBeLessThanOrEqual(5);
  await expect(pair.customer.getByText(/javascript:|data:text/)).toHaveCount(0);
  console.log(`customer after ${messages.length} hostile messages: ${pages}/100 pages, ${nudges}/100 nudges, ${screenAsks}/50 screen requests acted on`);

  await expect(pair.customer.getByTestId('connection-status')).toContainText('Connected');
  await sendMessage(pair.customer, 'What is going on?');
  await expect(pair.rep.getByRole('log')).toContainText('What is going on?');
});
