/**
 * Fixtures of the shared-session specs (three browser contexts against the desk-shared server,
 * open mode: test/e2e/desk-shared.config.json): rep consoles named before they load, a customer
 * whose every data-channel and WebSocket frame is recorded in the page (`window.__frames`), its
 * IndexedDB transcript, and the steps of accepting, inviting and writing.
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SERVERS } from '../../playwright.config.ts';

const baseURL = `http://127.0.0.1:${SERVERS.deskShared}`;
const contexts: BrowserContext[] = [];

/** Closes every context opened since the last call (a spec's afterEach). */
export async function closeContexts(): Promise<void> {
  for (const context of contexts.splice(0)) await context.close();
}

export const LABELS = {
  en: { waiting: 'Waiting chats', accept: 'Accept', invite: 'Invite', transfer: 'Transfer', colleague: 'Colleague', send: 'Send invitation', to: 'To', transferSubmit: 'Transfer', moveQueue: 'Move queue', move: 'Move', queue: 'Queue', participants: 'Participants' },
  fr: { waiting: 'Discussions en attente', accept: 'Accepter', invite: 'Inviter', transfer: 'Transférer', colleague: 'Collègue', send: 'Envoyer l’invitation', to: 'À', transferSubmit: 'Transférer', moveQueue: 'Changer de file', move: 'Renvoyer', queue: 'File', participants: 'Participants' },
} as const;
export type Lang = keyof typeof LABELS;

async function context(browser: Browser, locale: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL, locale, viewport: { width: 1400, height: 900 } });
  contexts.push(ctx);
  return ctx;
}

/** A rep console in open mode, named before the page loads (the desk connection says this name). */
export async function repConsole(browser: Browser, name: string, lang: Lang = 'en'): Promise<Page> {
  const ctx = await context(browser, lang === 'fr' ? 'fr-FR' : 'en-US');
  await ctx.addInitScript((n) => localStorage.setItem('parley.rep.name', n), name);
  const page = await ctx.newPage();
  await page.goto('/rep');
  await expect(page.getByRole('heading', { name: LABELS[lang].waiting })).toBeVisible();
  return page;
}

/**
 * The customer, with its traffic recorded in the page: every data-channel and WebSocket frame
 * sent or received, as text (binary frames as latin-1), kept in `window.__frames`.
 */
export async function customer(browser: Browser, name: string, topic = 'General support'): Promise<Page> {
  const ctx = await context(browser, 'en-US');
  await ctx.addInitScript(() => {
    const frames: string[] = [];
    (window as unknown as { __frames: string[] }).__frames = frames;
    const text = (data: unknown): string => {
      if (typeof data === 'string') return data;
      if (data instanceof ArrayBuffer) return new TextDecoder('latin1').decode(data);
      if (ArrayBuffer.isView(data)) return new TextDecoder('latin1').decode(data);
      return '[blob]';
    };
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      frames.push(`dc> ${text(data)}`);
      return send.call(this, data);
    };
    const wsSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: never) {
      frames.push(`ws> ${text(data)}`);
      return wsSend.call(this, data);
    };
    const listen = EventTarget.prototype.addEventListener;
    const record = (target: EventTarget, kind: string) => {
      listen.call(target, 'message', (event: Event) => frames.push(`${kind}< ${text((event as MessageEvent).data)}`));
    };
    const OrigPC = RTCPeerConnection;
    window.RTCPeerConnection = class extends OrigPC {
      constructor(config?: RTCConfiguration) {
        super(config);
        listen.call(this, 'datachannel', (event: Event) => record((event as RTCDataChannelEvent).channel, 'dc'));
      }
      override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
        const channel = super.createDataChannel(label, init);
        record(channel, 'dc');
        return channel;
      }
    };
    const OrigWS = WebSocket;
    window.WebSocket = class extends OrigWS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        record(this, 'ws');
      }
    };
  });
  const page = await ctx.newPage();
  await page.goto('/support');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Topic').selectOption({ label: topic });
  await page.getByLabel('Problem description').fill(`${name}: the printer prints blank pages`);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByRole('heading', { name: 'You are in the queue' })).toBeVisible();
  return page;
}

/** Everything the customer's browser kept: its transcript events in IndexedDB (decrypted messages as shown). */
export async function customerTranscript(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('parley-customer');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const read = db.transaction('events').objectStore('events').getAll();
          read.onsuccess = () => resolve(JSON.stringify(read.result));
          read.onerror = () => reject(read.error);
        };
      }),
  );
}

export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('[role="tabpanel"]:not([hidden])').getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

export const visiblePanel = (page: Page) => page.locator('[role="tabpanel"]:not([hidden])');
export const chatLog = (page: Page) => visiblePanel(page).getByRole('log');

/** A accepts the customer's chat from the queue list; both see the chat. */
export async function acceptChat(rep: Page, customerPage: Page, customerName: string, lang: Lang = 'en'): Promise<void> {
  const row = rep.getByTestId('queue-row').filter({ hasText: customerName });
  await row.getByRole('button', { name: LABELS[lang].accept }).click();
  await expect(rep.getByRole('tab', { name: new RegExp(customerName) })).toBeVisible();
  await expect(visiblePanel(rep).getByLabel('Message', { exact: true })).toBeEnabled();
  await expect(customerPage.getByLabel('Message', { exact: true })).toBeEnabled();
}

/** A invites B (by name) from the session's Invite (or Transfer) dialog. */
export async function invite(a: Page, bName: string, lang: Lang, transfer = false): Promise<void> {
  const L = LABELS[lang];
  await visiblePanel(a).getByRole('button', { name: transfer ? L.transfer : L.invite }).click();
  const dialog = a.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const choice = dialog.getByLabel(L.colleague, { exact: true });
  await expect(choice.locator('option', { hasText: bName })).toHaveCount(1);
  await choice.selectOption({ label: (await choice.locator('option', { hasText: bName }).textContent()) ?? bName });
  await dialog.getByRole('button', { name: transfer ? L.transferSubmit : L.send }).click();
  await expect(dialog).toBeHidden();
}
