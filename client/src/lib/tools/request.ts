/**
 * "Raise request": the request payload (protocol/request.ts) built from the session report, and
 * its delivery from the rep's browser to the desk's webhook with retries. The server never sees
 * it: the POST goes straight from the browser to the organisation's request system (whose
 * origin the rep console's CSP `connect-src` allows, and which must answer CORS for it).
 */
import { REQUEST_FORMAT, type RequestPayload } from '@protocol/request.ts';
import { translate } from '../i18n/index.svelte.ts';
import { describeUserAgent } from '../report/device.ts';
import { reportFileName } from '../report/download.ts';
import { buildReport, describeLocale, iso, type ReportInput } from '../report/model.ts';

export function buildRequestPayload(input: ReportInput, raisedAt = Date.now()): RequestPayload {
  const report = buildReport(input);
  const { session, locale } = report;
  const verified = session.peerIdentity?.status === 'verified' ? session.peerIdentity : null;
  return {
    format: REQUEST_FORMAT,
    raisedAt: new Date(raisedAt).toISOString(),
    outcome: { code: session.outcome ?? null, text: translate(locale, report.outcome.key, report.outcome.params) },
    details: {
      id: session.id,
      startedAt: iso(session.startedAt) ?? null,
      endedAt: iso(session.endedAt) ?? null,
      durationSeconds: report.durationMs !== undefined ? Math.round(report.durationMs / 1000) : null,
      rep: session.ownName,
      // A signed name wins over the typed one.
      customer: verified?.name ?? session.peerName ?? null,
      customerEmail: verified?.email || null,
      customerVerified: verified !== null,
      customerRequest: report.request ?? null,
      customerDevice: describeUserAgent(report.customerUserAgent) ?? null,
      customerLocale: describeLocale(report.customerLocale, locale) ?? null,
    },
    transcript: report.entries.map((e) =>
      e.kind === 'chat'
        ? { seq: e.seq, at: iso(e.at) ?? null, kind: 'chat' as const, from: e.from, name: e.name, text: e.text }
        : { seq: e.seq, at: iso(e.at) ?? null, kind: 'system' as const, key: e.key, text: e.text },
    ),
    notes: report.notes ?? '',
    survey: report.survey ?? [],
  };
}

/** Waits before each retry: the first attempt goes at once, then after 1 s, 5 s and 30 s. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
/** One attempt gives up after this long (a receiver that never answers is a failure too). */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export type DeliveryStatus =
  | { state: 'sending'; attempt: number; total: number }
  | { state: 'waiting'; attempt: number; total: number; reason: string; retryInMs: number }
  | { state: 'sent'; attempt: number }
  | { state: 'failed'; reason: string };

export interface DeliveryOptions {
  fetch?: typeof fetch;
  delays?: readonly number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onStatus?: (status: DeliveryStatus) => void;
}

/**
 * POSTs `body` (JSON) to `url`, retrying on network errors, timeouts and 408/425/429/5xx
 * answers; other 4xx answers are final (sending the same thing again cannot help).
 * Resolves with the final status (`sent` or `failed`).
 */
export async function deliverRequest(url: string, body: string, options: DeliveryOptions = {}): Promise<DeliveryStatus> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const delays = options.delays ?? RETRY_DELAYS_MS;
  const sleep = options.sleep ?? defaultSleep;
  const total = delays.length + 1;
  const report = (status: DeliveryStatus) => {
    options.onStatus?.(status);
    return status;
  };
  let reason = '';
  for (let attempt = 1; attempt <= total; attempt++) {
    if (options.signal?.aborted) break;
    report({ state: 'sending', attempt, total });
    let retry = true;
    try {
      const signals = [AbortSignal.timeout(ATTEMPT_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])];
      const response = await fetchFn(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        mode: 'cors',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        signal: AbortSignal.any(signals),
      });
      if (response.ok) return report({ state: 'sent', attempt });
      reason = `HTTP ${response.status}`;
      retry = response.status === 408 || response.status === 425 || response.status === 429 || response.status >= 500;
    } catch (err) {
      reason = err instanceof DOMException && err.name === 'TimeoutError' ? 'timeout' : 'network error';
    }
    const wait = delays[attempt - 1];
    if (!retry || wait === undefined || options.signal?.aborted) break;
    report({ state: 'waiting', attempt, total, reason, retryInMs: wait });
    await sleep(wait, options.signal);
  }
  return report({ state: 'failed', reason: reason || 'cancelled' });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The request's file name when it is downloaded. */
export function requestFileName(startedAt: number): string {
  return reportFileName(startedAt, 'json').replace(/^parley-session-/, 'parley-request-');
}
