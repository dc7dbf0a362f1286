/**
 * Join figures: the customer presses Join → their page shows "Connected" (the link verified),
 * timed inside the page, with where the time went (the session's performance marks, relative
 * to the click), and chat round trips on the first session (on screen, on the wire, and a bare
 * RTCDataChannel between the same pages as the floor).
 */
import type { Browser, Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';

/** Session marks in the order they happen on the customer's side (session.ts, peer-link.ts). */
export const JOIN_PHASES = [
  'parley:joining',
  'parley:portal-connected',
  'parley:room-joined',
  'parley:pake',
  'parley:key-confirmed',
  'parley:connecting',
  'parley:sdp-have-remote-offer', // the rep's offer arrived (sealed, through the server)
  'parley:sdp-stable', // our answer is made
  'parley:ice-checking',
  'parley:ice-connected',
  'parley:pc-connected', // DTLS done
  'parley:channel-open', // SCTP and the data channel
  'parley:verified',
] as const;

export interface JoinBench {
  joins: number[];
  /** Per phase: ms from the click to the mark, one sample per run. */
  phases: Record<string, number[]>;
  chatOnScreen: number[];
  chatOnWire: number[];
  rawRoundTrip: number[];
}

async function newPair(browser: Browser, base: string): Promise<{ rep: Page; customer: Page; close: () => Promise<void> }> {
  const repCtx = await browser.newContext();
  const custCtx = await browser.newContext();
  // tsx keeps function names with a `__name` helper that the page does not have.
  for (const ctx of [repCtx, custCtx]) await ctx.addInitScript('window.__name = (f) => f');
  const rep = await repCtx.newPage();
  const customer = await custCtx.newPage();
  return { rep, customer, close: async () => (await repCtx.close(), await custCtx.close()) };
}

/** A bare RTCDataChannel between the same two pages, echoing on the customer side. */
async function rawRoundTrips(rep: Page, customer: Page, runs: number): Promise<number[]> {
  const offer = await rep.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('raw');
    Object.assign(window, { rawPc: pc, rawDc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await customer.evaluate(async (offer) => {
    const pc = new RTCPeerConnection();
    pc.ondatachannel = (e) => (e.channel.onmessage = (m) => e.channel.send(m.data));
    Object.assign(window, { rawPc: pc });
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, offer);
  return rep.evaluate(
    async ({ answer, runs }) => {
      const { rawPc, rawDc } = window as unknown as { rawPc: RTCPeerConnection; rawDc: RTCDataChannel };
      await rawPc.setRemoteDescription(answer);
      if (rawDc.readyState !== 'open') await new Promise((r) => rawDc.addEventListener('open', r, { once: true }));
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await new Promise<void>((r) => {
          rawDc.addEventListener('message', () => r(), { once: true });
          rawDc.send(`ping ${i} 🙂`);
        });
        out.push(performance.now() - t0);
      }
      return out;
    },
    { answer, runs },
  );
}

/** Send → "Delivered" on the rep's screen, `runs` messages one after another. */
async function chatRoundTrips(rep: Page, runs: number): Promise<{ onScreen: number[]; onWire: number[] }> {
  const onScreen: number[] = [];
  for (let i = 0; i < runs; i++) {
    onScreen.push(
      await rep.evaluate(
        (text) =>
          new Promise<number>((resolve) => {
            const box = document.querySelector<HTMLTextAreaElement>('[role="tabpanel"]:not([hidden]) textarea[id^="message-input"]')!; // the shown tab's composer
            const delivered = () => document.querySelectorAll('[data-delivery="delivered"]').length;
            const before = delivered();
            box.value = text;
            box.dispatchEvent(new Event('input', { bubbles: true }));
            const t0 = performance.now();
            const observer = new MutationObserver(() => {
              if (delivered() > before) {
                observer.disconnect();
                resolve(performance.now() - t0);
              }
            });
            observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
            box.form!.requestSubmit();
          }),
        `bench message ${i} 🙂`,
      ),
    );
  }
  // The same messages at the protocol level: sealed chat sent → sealed ack opened (marks in conversation.ts, peer-inbox.ts).
  const onWire = await rep.evaluate(() => {
    const sent = new Map<string, number>();
    const out: number[] = [];
    for (const mark of performance.getEntriesByType('mark') as PerformanceMark[]) {
      if (mark.name === 'parley:chat-sent') sent.set(mark.detail as string, mark.startTime);
      if (mark.name === 'parley:chat-acked' && sent.has(mark.detail as string)) out.push(mark.startTime - sent.get(mark.detail as string)!);
    }
    return out;
  });
  return { onScreen, onWire };
}

export async function joinBench(browser: Browser, base: string, runs: number, chatRuns: number, profileTo?: string): Promise<JoinBench> {
  const result: JoinBench = { joins: [], phases: Object.fromEntries(JOIN_PHASES.map((p) => [p, []])), chatOnScreen: [], chatOnWire: [], rawRoundTrip: [] };
  for (let run = 0; run < runs; run++) {
    const { rep, customer, close } = await newPair(browser, base);
    try {
      await rep.goto(`${base}/rep`);
      await customer.goto(base);
      await rep.getByRole('button', { name: 'Start session' }).first().click();
      const code = (await rep.getByTestId('session-code').filter({ hasText: /\d{3}-/ }).textContent())!.trim();
      // Typed key by key as a person does (the page reacts to the keys: it loads the session
      // code, connects, and its first key press enables sound).
      await customer.getByLabel('Session code').pressSequentially(code);
      // A person takes a few seconds to type a code; the page uses them to load and connect.
      await customer.waitForTimeout(500);
      // Both pages: the rep's answers (its key agreement, its offer) are on the customer's path too.
      const profiled = profileTo && run === runs - 1 ? [await customer.context().newCDPSession(customer), await rep.context().newCDPSession(rep)] : [];
      for (const cdp of profiled) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
      }
      // Timed inside the page: click → the status element says "Connected".
      const { ms, marks } = await customer.evaluate(
        (phases) =>
          new Promise<{ ms: number; marks: Record<string, number> }>((resolve) => {
            performance.clearMarks();
            const status = () => document.querySelector('[data-testid="connection-status"]')?.textContent ?? '';
            const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join')!;
            const t0 = performance.now();
            const observer = new MutationObserver(() => {
              if (!status().includes('Connected')) return;
              observer.disconnect();
              const ms = performance.now() - t0;
              const marks: Record<string, number> = {};
              for (const name of phases) {
                const mark = performance.getEntriesByName(name, 'mark')[0];
                if (mark) marks[name] = mark.startTime - t0;
              }
              resolve({ ms, marks });
            });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true });
            button.click();
          }),
        [...JOIN_PHASES],
      );
      for (const [i, cdp] of profiled.entries()) {
        const { profile } = await cdp.send('Profiler.stop');
        await writeFile(i === 0 ? profileTo! : profileTo!.replace(/\.cpuprofile$/, '-rep.cpuprofile'), JSON.stringify(profile));
      }
      result.joins.push(ms);
      for (const [name, at] of Object.entries(marks)) result.phases[name]!.push(at);
      await rep.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
      if (run === 0 && chatRuns > 0) {
        const chat = await chatRoundTrips(rep, chatRuns);
        result.chatOnScreen = chat.onScreen;
        result.chatOnWire = chat.onWire;
        result.rawRoundTrip = await rawRoundTrips(rep, customer, chatRuns);
      }
    } finally {
      await close();
    }
  }
  return result;
}
