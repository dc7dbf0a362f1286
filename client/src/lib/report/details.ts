/**
 * The session's details block: what the details panel shows during a session and what heads
 * every transcript and report (report/model.ts). One set of functions, so the console and the
 * exported files can never describe a session differently.
 */
import { translate, type Locale, type MessageKey } from '../i18n/index.svelte.ts';
import type { SessionRecord } from '../transcript.ts';
import { describeUserAgent } from './device.ts';

/** The queue the customer asked in, or "Code session" when the rep started it with a code. */
export function describeQueue(record: SessionRecord, locale: Locale): string {
  return record.queue ? record.queue.name : translate(locale, 'details.codeSession');
}

/**
 * The customer's browser and OS: parsed from the user agent their browser sent in its hello
 * (a code session), else as the portal described them (a desk session before the hello).
 */
export function describeDevice(record: SessionRecord): string | undefined {
  const fromAgent = describeUserAgent(record.peerUserAgent);
  if (fromAgent) return fromAgent;
  if (!record.peerBrowser && !record.peerOs) return undefined;
  return `${record.peerBrowser || '?'} / ${record.peerOs || '?'}`;
}

/** How far the customer's e-mail can be trusted, as a message key. */
export function emailTrustKey(record: SessionRecord): MessageKey {
  if (record.peerVerified === true) return 'details.email.verified';
  if (record.peerVerified === false) return 'details.email.failed';
  return 'details.email.unverified';
}

/** "ada@example.org (verified)" / "(unverified)", or undefined without an e-mail. */
export function describeEmail(record: SessionRecord, locale: Locale): string | undefined {
  if (!record.peerEmail) return undefined;
  return `${record.peerEmail} (${translate(locale, emailTrustKey(record))})`;
}

/** The recording consent answer, or "not asked". */
export function describeConsent(record: SessionRecord, locale: Locale): string {
  const key: MessageKey = record.recordingConsent === true ? 'details.consent.yes' : record.recordingConsent === false ? 'details.consent.no' : 'details.consent.notAsked';
  return translate(locale, key);
}
