/**
 * Rep console responsiveness with `count` live sessions at once: the console starts a session
 * per customer (one tab each), every customer page sends a chat message every second, and the
 * rep types in the composer meanwhile. Each keystroke is timed from the key event to the frame
 * after it (requestAnimationFrame, then a task: the paint that shows the letter).
 *
 * It needs a console that holds several live sessions (tabs). On a console that holds one, it
 * says so and measures nothing.
 */
import type { Browser, Page } from '@playwright/test';

export type SessionsBench = { inputToPaint: number[]; ratePerSecond: number } | { skipped: string };

const START = /^(New session|Start session|Start a session|New chat)$/;

export async function sessionsBench(browser: Browser, base: string, count: number, keystrokes = 60, ratePerSecond = 1): Promise<SessionsBench> {
  const repCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await repCtx.addInitScript('window.__name = (f) => f');
  const rep = await repCtx.newPage();
  const customers: Page[] = [];
  const contexts = [repCtx];
  try {
    await rep.goto(`${base}/rep`);
    for (let i = 0; i < count; i++) {
      const start = rep.getByRole('button', { name: START }).and(rep.locator(':enabled')).first();
      try {
        await start.waitFor({ timeout: i === 0 ? 20_000 : 3_000 });
      } catch {
        return { skipped: `the console offers no way to start session ${i + 1} while ${i} ${i === 1 ? 'is' : 'are'} live (no session tabs)` };
      }
      const codesBefore = await rep.getByTestId('session-code').allTextContents();
      await start.click();
      const codeEl = rep.getByTestId('session-code').filter({ hasText: /\d{3}-/ });
      await rep.waitForFunction((before) => [...document.querySelectorAll('[data-testid="session-code"]')].some((e) => /\d{3}-/.test(e.textContent ?? '') && !before.includes(e.textContent ?? '')), codesBefore);
      const code = (await codeEl.allTextContents()).map((c) => c.trim()).find((c) => !codesBefore.map((b) => b.trim()).includes(c))!;
      const ctx = await browser.newContext();
      contexts.push(ctx);
      await ctx.addInitScript('window.__name = (f) => f');
      const customer = await ctx.newPage();
      await customer.goto(base);
      await customer.getByLabel('Session code').fill(code);
      await customer.getByRole('button', { name: 'Join' }).click();
      await customer.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
      customers.push(customer);
    }
    // Every customer chats at `ratePerSecond`.
    for (const [i, customer] of customers.entries()) {
      await customer.evaluate(
        ({ i, rate }) => {
          let n = 0;
          setInterval(() => {
            const box = document.querySelector<HTMLTextAreaElement>('#message-input');
            if (!box) return;
            box.value = `customer ${i} message ${n++}: my printer still shows the same error`;
            box.dispatchEvent(new Event('input', { bubbles: true }));
            box.form?.requestSubmit();
          }, 1000 / rate);
        },
        { i, rate: ratePerSecond },
      );
    }
    await rep.waitForTimeout(3_000); // the load running
    await rep.locator('#message-input').click();
    await rep.evaluate(() => {
      const out: number[] = [];
      (window as unknown as { keyLatency: number[] }).keyLatency = out;
      document.addEventListener('keydown', (e) => {
        const t0 = e.timeStamp;
        requestAnimationFrame(() => setTimeout(() => out.push(performance.now() - t0)));
      }, { capture: true });
    });
    for (let k = 0; k < keystrokes; k++) {
      await rep.keyboard.press(k % 20 === 19 ? 'Backspace' : 'a');
      await rep.waitForTimeout(120);
    }
    await rep.waitForTimeout(500);
    return { inputToPaint: await rep.evaluate(() => (window as unknown as { keyLatency: number[] }).keyLatency), ratePerSecond };
  } finally {
    for (const ctx of contexts) await ctx.close();
  }
}
