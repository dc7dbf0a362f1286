import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair, sendMessage, type Pair } from './fixtures.ts';

let pair: Pair;
test.afterEach(async () => closePair(pair));

test('BBCode renders on both sides and classic XSS payloads stay inert text', async ({ browser, baseURL }) => {
  pair = await openPair(browser, baseURL!);
  await connectPair(pair);
  const dialogs: string[] = [];
  for (const page of [pair.rep, pair.customer]) page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));

  await sendMessage(pair.rep, 'Please [b]restart[/b] the [i]printer[/i], see [url=https://example.com/help]the guide[/url] and [code][b]keep[/b][/code]');
  for (const page of [pair.rep, pair.customer]) {
    const log = page.getByRole('log');
    await expect(log.locator('strong', { hasText: 'restart' })).toBeVisible();
    await expect(log.locator('em', { hasText: 'printer' })).toBeVisible();
    const link = log.getByRole('link', { name: 'the guide' });
    await expect(link).toHaveAttribute('href', 'https://example.com/help');
    await expect(link).toHaveAttribute('rel', /noopener/);
    await expect(log.locator('code')).toHaveText('[b]keep[/b]');
  }

  const payloads = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(2)</script>',
    '[url=javascript:alert(3)]click me[/url]',
    '[url]javascript:alert(4)[/url]',
    '"><svg/onload=alert(5)>',
    '[color=red" onmouseover="alert(6)]hover[/color]',
  ];
  for (const p of payloads) await sendMessage(pair.customer, p);
  const repLog = pair.rep.getByRole('log');
  for (const p of payloads) await expect(repLog).toContainText(p.includes('[color') ? 'hover' : p.replace(/\[\/?url[^\]]*\]/g, '').slice(0, 12));
  await expect(repLog.locator('img, script, svg[onload], [onerror], [onmouseover]')).toHaveCount(0);
  await expect(repLog.locator('a[href^="javascript:" i]')).toHaveCount(0);
  await repLog.getByText('hover').hover();
  expect(dialogs).toEqual([]);
});
