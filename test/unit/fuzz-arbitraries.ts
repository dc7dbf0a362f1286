/**
 * fast-check arbitraries for *valid* wire values (peer messages, file messages, signal objects),
 * used by the round-trip properties in fuzz-validators.test.ts. Each stays inside the limits
 * that protocol/peer.ts and protocol/file.ts document.
 */
import fc from 'fast-check';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
// Limits count UTF-16 code units; fast-check counts code points, so astral characters are filtered.
const text = (max: number) => fc.string({ unit: 'binary', minLength: 1, maxLength: max }).filter((s) => s.length <= max);
const upTo = (max: number) => fc.string({ unit: 'binary', maxLength: max }).filter((s) => s.length <= max);

export const validSignal = fc.oneof(
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), sdp: upTo(400) }),
  fc.record({
    type: fc.constant('candidate' as const),
    candidate: fc.record(
      { candidate: upTo(200), sdpMLineIndex: fc.option(fc.nat(), { nil: null }), sdpMid: fc.option(upTo(64), { nil: null }), usernameFragment: fc.option(upTo(64), { nil: null }) },
      { requiredKeys: ['candidate'] },
    ),
  }),
  fc.constant({ type: 'renegotiate' as const, renegotiate: true as const }),
  fc.record({ type: fc.constant('transceiverRequest' as const), transceiverRequest: fc.record({ kind: fc.constantFrom('video' as const, 'audio' as const) }) }),
);

const fileMeta = fc.record(
  {
    fid: id,
    name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((n) => !/[/\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(n) && n !== '.' && n !== '..'),
    size: fc.nat({ max: 2 ** 32 }),
    mime: fc.constantFrom('', 'text/plain', 'application/pdf', 'image/png', 'application/vnd.ms-excel'),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    preview: fc.constantFrom('data:image/png;base64,iVBORw0KGgo=', 'data:image/jpeg;base64,/9j/4AAQ'),
  },
  { requiredKeys: ['fid', 'name', 'size', 'mime', 'sha256'] },
);

export const validFileMessage = fc.oneof(
  fc.record(
    { type: fc.constant('file-offer' as const), id, files: fc.uniqueArray(fileMeta, { minLength: 1, maxLength: 5, selector: (f) => f.fid }), text: text(200) },
    { requiredKeys: ['type', 'id', 'files'] },
  ),
  fc.record({ type: fc.constant('file-accept' as const), fid: id }),
  fc.record({ type: fc.constant('file-decline' as const), fid: id, reason: fc.constantFrom('declined' as const, 'type' as const, 'size' as const, 'count' as const, 'busy' as const) }),
  fc.record({ type: fc.constant('file-cancel' as const), fid: id, reason: fc.constantFrom('cancelled' as const, 'error' as const) }),
  fc.record({ type: fc.constantFrom('file-ack' as const, 'file-resume' as const), fid: id, next: fc.nat({ max: 0xffff_ffff }) }),
  fc.record({ type: fc.constant('file-done' as const), fid: id, ok: fc.boolean() }),
);

export const validPeerMessage = fc.oneof(
  fc.record(
    {
      type: fc.constant('hello' as const),
      version: fc.integer(),
      role: fc.constantFrom('rep' as const, 'customer' as const),
      name: upTo(80),
      capabilities: fc.array(upTo(32), { maxLength: 32 }),
      userAgent: upTo(512),
      locale: upTo(16),
      request: upTo(500),
    },
    { requiredKeys: ['type', 'version', 'role', 'name', 'capabilities'] },
  ),
  fc.record({ type: fc.constant('chat' as const), id, text: text(10_000), sentAt: fc.nat({ max: 8_640_000_000_000_000 }) }),
  fc.record({ type: fc.constant('ack' as const), id }),
  fc.record({ type: fc.constant('typing' as const), active: fc.boolean() }),
  fc.record({ type: fc.constant('fp-proof' as const), local: upTo(256), remote: upTo(256), mac: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/) }),
  fc.record({ type: fc.constant('bye' as const), reason: fc.constantFrom('ended' as const, 'left' as const) }),
  fc.record({ type: fc.constant('url-push' as const), id, url: fc.webUrl({ withQueryParameters: true, withFragments: true }).filter((u) => u.length <= 2048) }),
  fc.record({ type: fc.constant('rtc-signal' as const), signal: validSignal }),
  fc.constant({ type: 'screen-request' as const }),
  fc.record({ type: fc.constant('screen-state' as const), state: fc.constantFrom('started' as const, 'stopped' as const, 'declined' as const) }),
  fc.constant({ type: 'nudge' as const }),
  validFileMessage,
);
