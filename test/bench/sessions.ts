/**
 * Rep console responsiveness with `count` live sessions at once: the console starts a session
 * per customer (one tab each, "Start session"), every customer page sends a chat message every
 * second, and the rep types in the shown tab's composer meanwhile. Each keystroke is timed from
 * the key event to the frame after it (requestAnimationFrame, then a task: the paint that shows
 * the letter); long tasks (> 50 ms) on the console's main thread are counted over the same time.
 */
import type { Browser, Page } from '@playwright/test';

export interface SessionsBench {
  inputToPaint: number[];
  /** Long tasks while typing: their count and durations (ms). */
  longTasks: number[];
  /** Log entries the console gained while typing (all tabs' logs; windowed logs may undercount). */
  received: number;
  ratePerSecond: number;
  typingSeconds: number;
}

type W = { keyLatency: number[]; longTasks: number[] };

async function startAndJoin(browser: Browser, base: string, rep: Page, i: number): Promise<{ customer: Page; close: () => Promise<void> }> {
  const panel = rep.getByRole('tabpanel');
  const before = (await panel.getByTestId('session-code').textContent().catch(() => null))?.trim();
  await rep.getByRole('button', { name: 'Start session' }).click();
  const codeEl = panel.getByTestId('session-code');
  await rep.waitForFunction(
    (before) => {
      const el = document.querySelector('[role="tabpanel"]:not([hidden]) [data-testid="session-code"]');
      const t = el?.textContent?.trim() ?? '';
      return /\d{3}-\d{3}\s?\d{3}/.test(t) && t !== before;
    },
    before,
    { timeout: 20_000 },
  );
  const code = (await codeEl.textContent())!.trim();
  const ctx = await browser.newContext();
  await ctx.addInitScript('window.__name = (f) => f');
  const customer = await ctx.newPage();
  await customer.goto(base);
  await customer.getByLabel('Session code').fill(code);
  await customer.getByLabel('Your name (optional)').fill(`Customer ${i + 1}`);
  await customer.getByRole('button', { name: 'Join' }).click();
  await customer.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  return { customer, close: () => ctx.close() };
}

export async function sessionsBench(browser: Browser, base: string, count: number, keystrokes = 100, ratePerSecond = 1): Promise<SessionsBench> {
  const repCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await repCtx.addInitScript('window.__name = (f) => f');
  const rep = await repCtx.newPage();
  const closers = [() => repCtx.close()];
  try {
    await rep.goto(`${base}/rep`);
    await rep.getByRole('button', { name: 'Start session' }).waitFor({ timeout: 20_000 });
    const customers: Page[] = [];
    for (let i = 0; i < count; i++) {
      const { customer, close } = await startAndJoin(browser, base, rep, i);
      closers.push(close);
      customers.push(customer);
    }
    await rep.getByRole('tabpanel').getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    // Every customer chats at `ratePerSecond`, staggered so the messages do not all land at once.
    for (const [i, customer] of customers.entries()) {
      await customer.evaluate(
        ({ i, rate, delay }) => {
          let n = 0;
          const send = () => {
            const box = document.querySelector<HTMLTextAreaElement>('#message-input');
            if (!box) return;
            box.value = `customer ${i} message ${n++}: my printer still shows the same error, [b]again[/b]`;
            box.dispatchEvent(new Event('input', { bubbles: true }));
            box.form?.requestSubmit();
          };
          setTimeout(() => setInterval(send, 1000 / rate), delay);
        },
        { i, rate: ratePerSecond, delay: (i * 1000) / count / ratePerSecond },
      );
    }
    await rep.waitForTimeout(3_000); // the load running
    const composer = rep.getByRole('tabpanel').getByLabel('Message', { exact: true });
    await composer.click();
    const logItems = () => rep.evaluate(() => document.querySelectorAll('[role="log"] li').length);
    const itemsBefore = await logItems();
    await rep.evaluate(() => {
      const w = window as unknown as W;
      w.keyLatency = [];
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
      document.addEventListener(
        'keydown',
        (e) => {
          const t0 = e.timeStamp;
          requestAnimationFrame(() => setTimeout(() => w.keyLatency.push(performance.now() - t0)));
        },
        { capture: true },
      );
    });
    const t0 = Date.now();
    for (let k = 0; k < keystrokes; k++) {
      await rep.keyboard.press(k % 20 === 19 ? 'Backspace' : 'a');
      await rep.waitForTimeout(120);
    }
    await rep.waitForTimeout(500);
    const typingSeconds = (Date.now() - t0) / 1000;
    const { keyLatency, longTasks } = await rep.evaluate(() => {
      const w = window as unknown as W;
      return { keyLatency: w.keyLatency, longTasks: w.longTasks };
    });
    // Log entries the console gained (all tabs) while typing: a check that the load ran.
    const received = (await logItems()) - itemsBefore;
    return { inputToPaint: keyLatency, longTasks, received, ratePerSecond, typingSeconds };
  } finally {
    for (const close of closers) await close();
  }
}
