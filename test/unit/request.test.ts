/** "Raise request": the payload (schema'd), its delivery with retries, and the rep console CSP that lets it out. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLocale } from '../../client/src/lib/i18n/index.svelte.ts';
import * as v from 'valibot';
import { buildRequestPayload, deliverRequest, type DeliveryStatus } from '../../client/src/lib/tools/request.ts';
import { RequestPayloadSchema } from '../../protocol/request.ts';
import { contentSecurityPolicy, handleHttp, isRepConsolePage, webhookOrigin } from '../../signaling/http.ts';
import type { SessionRecord, TranscriptEvent } from '../../client/src/lib/transcript.ts';

const session: SessionRecord = {
  id: 'rec-1',
  role: 'rep',
  startedAt: Date.UTC(2026, 10, 23, 12, 0, 0),
  endedAt: Date.UTC(2026, 10, 23, 12, 10, 0),
  ownName: 'Sam',
  peerName: 'Ada typed',
  peerRequest: 'Printer offline',
  outcome: 'solved',
  surveyQuestions: [{ id: 'overall', kind: 'rating', text: 'How did we do?' }],
  surveyAnswers: [{ id: 'overall', rating: 5 }],
  peerIdentity: { status: 'verified', name: 'Ada Lovelace', email: 'ada@example.com', algorithm: 'ed25519' },
};
const events: TranscriptEvent[] = [
  { sessionId: 'rec-1', seq: 0, at: session.startedAt + 1000, kind: 'chat', id: 'm_aaaaaaaa', from: 'customer', name: 'Ada', text: 'Hello' },
  { sessionId: 'rec-1', seq: 1, at: session.startedAt + 2000, kind: 'system', key: 'event.markedSolved', params: {}, level: 'info' },
];

beforeAll(() => loadLocale('fr'));

describe('buildRequestPayload', () => {
  it('matches the request schema: details (signed name wins), transcript, notes, survey, outcome', () => {
    const payload = buildRequestPayload({ session, events, note: { sessionId: 'rec-1', text: 'Call back', updatedAt: 0 }, locale: 'en' }, session.endedAt);
    expect(v.safeParse(RequestPayloadSchema, JSON.parse(JSON.stringify(payload))).success).toBe(true);
    expect(payload.details).toMatchObject({ customer: 'Ada Lovelace', customerEmail: 'ada@example.com', customerVerified: true, customerRequest: 'Printer offline', durationSeconds: 600 });
    expect(payload.outcome).toEqual({ code: 'solved', text: 'Solved' });
    expect(payload.transcript).toEqual([
      { seq: 0, at: '2026-11-23T12:00:01.000Z', kind: 'chat', from: 'customer', name: 'Ada', text: 'Hello' },
      { seq: 1, at: '2026-11-23T12:00:02.000Z', kind: 'system', key: 'event.markedSolved', text: 'You marked the session as solved.' },
    ]);
    expect(payload.notes).toBe('Call back');
    expect(payload.survey).toEqual([{ id: 'overall', question: 'How did we do?', answer: '5/5', rating: 5 }]);
  });

  it('an unverified customer is the typed name, marked so', () => {
    const payload = buildRequestPayload({ session: { ...session, peerIdentity: { status: 'invalid', reason: 'bad signature' } }, events, locale: 'fr' });
    expect(payload.details).toMatchObject({ customer: 'Ada typed', customerEmail: null, customerVerified: false });
    expect(payload.outcome.text).toBe('Résolue');
  });
});

describe('deliverRequest', () => {
  function answers(...statuses: (number | 'network')[]) {
    const calls: RequestInit[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      calls.push(init);
      const next = statuses.shift();
      if (next === 'network' || next === undefined) throw new TypeError('Failed to fetch');
      return new Response(null, { status: next });
    }) as unknown as typeof globalThis.fetch;
    return { fetch, calls };
  }
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);

  it('retries network errors and 5xx after 1 s, 5 s and 30 s, then says it failed', async () => {
    waits.length = 0;
    const { fetch, calls } = answers('network', 503, 500, 502);
    const seen: DeliveryStatus[] = [];
    const result = await deliverRequest('https://tickets.example/hook', '{}', { fetch, sleep, onStatus: (s) => seen.push(s) });
    expect(result).toEqual({ state: 'failed', reason: 'HTTP 502' });
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([1_000, 5_000, 30_000]);
    expect(calls[0]).toMatchObject({ method: 'POST', body: '{}', credentials: 'omit', headers: { 'Content-Type': 'application/json' } });
    expect(seen.filter((s) => s.state === 'waiting').map((s) => (s as { reason: string }).reason)).toEqual(['network error', 'HTTP 503', 'HTTP 500']);
  });

  it('stops at the first success', async () => {
    waits.length = 0;
    const { fetch, calls } = answers(503, 201);
    expect(await deliverRequest('https://tickets.example/hook', '{}', { fetch, sleep })).toEqual({ state: 'sent', attempt: 2 });
    expect(calls).toHaveLength(2);
  });

  it('does not retry a 4xx refusal (the same body cannot fare better), except 408/425/429', async () => {
    const refused = answers(400);
    expect(await deliverRequest('https://t.example/h', '{}', { fetch: refused.fetch, sleep })).toEqual({ state: 'failed', reason: 'HTTP 400' });
    expect(refused.calls).toHaveLength(1);
    const busy = answers(429, 200);
    expect((await deliverRequest('https://t.example/h', '{}', { fetch: busy.fetch, sleep })).state).toBe('sent');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const { fetch, calls } = answers(503, 503, 503, 503);
    const result = await deliverRequest('https://t.example/h', '{}', { fetch, sleep: async () => controller.abort(), signal: controller.signal });
    expect(result.state).toBe('failed');
    expect(calls).toHaveLength(1);
  });
});

describe('rep console CSP', () => {
  it('adds only a clean http(s) origin of the webhook', () => {
    expect(webhookOrigin('https://tickets.example.com/api/hook?x=1')).toBe('https://tickets.example.com');
    expect(webhookOrigin('http://127.0.0.1:9000/h')).toBe('http://127.0.0.1:9000');
    expect(webhookOrigin('')).toBeNull();
    expect(webhookOrigin('javascript:alert(1)')).toBeNull();
    expect(webhookOrigin('not a url')).toBeNull();
    expect(contentSecurityPolicy(['https://t.example'])).toContain("connect-src 'self' https://t.example;");
    expect(isRepConsolePage('/rep')).toBe(true);
    expect(isRepConsolePage('/')).toBe(false);
  });

  it('handleHttp sends the wider connect-src on the rep console only', () => {
    const headersFor = (url: string) => {
      const set = new Map<string, string>();
      const res = { setHeader: (k: string, val: string) => set.set(k, val), writeHead: () => res, end: () => res } as never;
      handleHttp({ method: 'GET', url, headers: {} } as never, res, () => undefined, { cannedJson: '{}', requestWebhook: () => 'https://t.example/hook' });
      return set.get('Content-Security-Policy') ?? '';
    };
    expect(headersFor('/rep/')).toContain("connect-src 'self' https://t.example;");
    expect(headersFor('/')).toContain("connect-src 'self';");
  });
});
