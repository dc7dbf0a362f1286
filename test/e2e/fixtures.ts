import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export interface Pair {
  repContext: BrowserContext;
  customerContext: BrowserContext;
  rep: Page;
  customer: Page;
}

export async function openPair(browser: Browser, baseURL: string, options: { locale?: string } = {}): Promise<Pair> {
  const locale = options.locale ?? 'en-US';
  const repContext = await browser.newContext({ baseURL, locale, permissions: ['clipboard-read', 'clipboard-write'] });
  const customerContext = await browser.newContext({ baseURL, locale });
  const rep = await repContext.newPage();
  const customer = await customerContext.newPage();
  return { repContext, customerContext, rep, customer };
}

export async function closePair(pair: Pair): Promise<void> {
  await pair.repContext.close();
  await pair.customerContext.close();
}

/** Rep starts a session; returns the code as shown and the join link. */
export async function startSession(rep: Page): Promise<{ code: string; link: string }> {
  await rep.goto('/rep');
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  const codeEl = rep.getByTestId('session-code');
  await expect(codeEl).toHaveText(/\d{3}-\d{3}\s?\d{3}/);
  const code = (await codeEl.textContent())!.trim();
  const link = (await rep.getByTestId('join-link').textContent())!.trim();
  return { code, link };
}

export async function joinByTyping(customer: Page, code: string, name = 'Ada'): Promise<void> {
  await customer.goto('/');
  await customer.getByLabel('Session code').fill(code);
  await customer.getByLabel('Your name (optional)').fill(name);
  await customer.getByRole('button', { name: 'Join' }).click();
}

export async function expectConnected(...pages: Page[]): Promise<void> {
  for (const page of pages) await expect(page.getByTestId('connection-status')).toContainText('Connected');
}

/** Starts a session and joins it; both sides end verified. */
export async function connectPair(pair: Pair, customerName = 'Ada'): Promise<{ code: string; link: string }> {
  const started = await startSession(pair.rep);
  await joinByTyping(pair.customer, started.code, customerName);
  await expectConnected(pair.rep, pair.customer);
  return started;
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(box).toHaveValue('');
}

/** The visible safety code (emoji and names) as one string. */
export async function safetyCode(page: Page): Promise<string> {
  return ((await page.getByTestId('safety-code').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * Records every RTCPeerConnection the page makes in `window.__pcs`, so a test can cut the
 * direct link (`dropLinks`) the way a network fault would. Call before the page loads.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = made;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/** Closes every peer connection the page has made (see recordPeerConnections): the link drops. */
export async function dropLinks(page: Page): Promise<number> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const open = pcs.filter((pc) => pc.connectionState !== 'closed');
    for (const pc of open) pc.close();
    return open.length;
  });
}

/**
 * Pages each in a browser context of its own (a rep, customers…), closed together after each
 * test: `const pages = separatePages(); test.afterEach(() => pages.closeAll());`.
 */
export function separatePages() {
  const contexts: BrowserContext[] = [];
  return {
    async open(browser: Browser, baseURL: string | undefined, locale = 'en-US'): Promise<Page> {
      const context = await browser.newContext({ baseURL, locale });
      contexts.push(context);
      return context.newPage();
    },
    async closeAll(): Promise<void> {
      for (const context of contexts.splice(0)) await context.close();
    },
  };
}
