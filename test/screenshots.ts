/**
 * `npm run screenshots`: regenerates the README's pictures (docs/*.png) from a real session:
 * the real server in this process, rep and customer in two headless Chromium contexts.
 */
import { chromium, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../signaling/config.ts';
import { createLogger } from '../signaling/logger.ts';
import { createParleyServer } from '../signaling/server.ts';

const DOCS = join(import.meta.dirname, '../docs');

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForTimeout(150);
}

const server = createParleyServer(loadConfig({ PORT: '0', HOST: '127.0.0.1' }), { logger: createLogger('error') });
const { port } = await server.listen();
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p)),
  args: [
    '--disable-background-networking',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    // A synthetic screen for the screen-sharing shot.
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--auto-select-desktop-capture-source=Entire screen',
  ],
});
try {
  const rep = await (await browser.newContext({ viewport: { width: 1366, height: 820 } })).newPage();
  const customerContext = await browser.newContext({ viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
  // The page the rep pushes is answered here: nothing leaves the machine.
  await customerContext.route('https://support.example.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<h1>Printer help</h1>' }));
  const customer = await customerContext.newPage();
  await rep.goto(`${base}/rep`);
  await rep.getByLabel('Your name').fill('Sam (Support)');
  await rep.getByRole('button', { name: 'Start session' }).first().click();
  const code = (await rep.getByTestId('session-code').textContent())!;
  await rep.screenshot({ path: join(DOCS, 'rep-waiting.png') });
  await customer.goto(base);
  await customer.getByLabel('Session code').fill(code);
  await customer.getByLabel('Your name (optional)').fill('Ada Lovelace');
  await customer.getByLabel('What do you need help with? (optional)').fill('My printer stopped printing after yesterday’s update.');
  await customer.getByRole('button', { name: 'Join' }).click();
  await rep.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor();
  await say(customer, 'Hello! My printer stopped printing after the update 🖨️');
  await say(rep, 'Hi Ada 👋 I can help. Could you open the print queue and tell me what you see?');
  await say(customer, 'It says "Paused – driver error"');
  await say(rep, 'Thanks. Please try this:\n1. Open Settings → Printers\n2. [b]Remove[/b] the printer\n3. Add it again');
  await say(customer, 'Done, it prints again! 🎉');
  await rep.getByLabel('Session notes').fill('Driver error after the update; removed and re-added the printer. Fixed.');
  await rep.getByRole('button', { name: 'Request screen' }).click();
  await customer.getByRole('button', { name: 'Share screen' }).click();
  await rep.getByRole('region', { name: 'Customer screen' }).locator('video').waitFor();
  await rep.waitForTimeout(1500);
  await rep.screenshot({ path: join(DOCS, 'rep-console.png') });
  await customer.screenshot({ path: join(DOCS, 'customer.png') });
  // The printable report of the same session, as the rep exports it after ending.
  await rep.getByLabel('Message', { exact: true }).fill('https://support.example.com/printers/driver-update');
  await rep.getByRole('button', { name: 'Push URL' }).click();
  await say(customer, 'Thanks for your help!');
  await rep.getByRole('button', { name: 'End session' }).click();
  await rep.getByRole('button', { name: 'Yes, end it' }).click();
  await rep.getByLabel('Format').selectOption('html');
  const downloading = rep.waitForEvent('download');
  await rep.getByRole('button', { name: 'Export transcript' }).click();
  const html = await readFile((await (await downloading).path())!, 'utf8');
  const report = await (await browser.newContext({ viewport: { width: 1000, height: 900 } })).newPage();
  await report.setContent(html);
  await report.screenshot({ path: join(DOCS, 'report.png'), fullPage: true });
  const pdf = join(tmpdir(), 'parley-report.pdf');
  await report.emulateMedia({ media: 'print' });
  await report.pdf({ path: pdf, format: 'A4' });
  console.log(`wrote ${pdf} (print preview, not kept in docs/)`);
  console.log(`wrote ${DOCS}/rep-waiting.png, rep-console.png, customer.png, report.png`);
} finally {
  await browser.close();
  await server.close();
}
