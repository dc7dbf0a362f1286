/**
 * Property tests for every decoder in protocol/: whatever arrives (random, truncated, mutated),
 * the only thing a decoder may throw is a typed ParleyError, and valid values round-trip.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../../protocol/base64.ts';
import { parseCode, formatCode } from '../../protocol/code.ts';
import { RelayKind, decodeRelay, decodeRepair, encodeRelay, encodeRepair } from '../../protocol/envelope.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { parsePeerMessage, parsePeerSignal } from '../../protocol/peer.ts';
import { Opener, Sealer, openJson, sealJson } from '../../protocol/seal.ts';

const RUNS = 2_000;

/** Runs `decode`; anything thrown must be a ParleyError. Returns whether it decoded. */
function onlyTypedErrors(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(ParleyError);
    return false;
  }
}

/** Any JSON-like value, with a bias towards objects that look like our messages. */
const messageLike = fc.oneof(
  fc.jsonValue(),
  fc.record({
    type: fc.constantFrom('hello', 'chat', 'ack', 'typing', 'fp-proof', 'bye', 'url-push', 'rtc-signal', 'screen-request', 'screen-state', 'nope'),
    id: fc.oneof(fc.string(), fc.integer()),
    text: fc.oneof(fc.string(), fc.constant(null)),
    url: fc.oneof(fc.webUrl(), fc.string()),
    state: fc.string(),
    signal: fc.jsonValue(),
    sentAt: fc.oneof(fc.integer(), fc.double()),
  }, { requiredKeys: ['type'] }),
);

describe('fuzz: protocol decoders throw only typed errors', () => {
  it('decodeRelay on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void onlyTypedErrors(() => decodeRelay(s))), { numRuns: RUNS });
  });

  it('decodeRelay on mutated valid envelopes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 300 }), fc.integer({ min: 0, max: 299 }), fc.integer({ min: 0, max: 255 }), (body, at, value) => {
        const bytes = fromBase64Url(encodeRelay(RelayKind.Signal, body));
        bytes[at % bytes.length] = value;
        onlyTypedErrors(() => decodeRelay(toBase64Url(bytes)));
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeRepair on any bytes, and repair bodies round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => void onlyTypedErrors(() => decodeRepair(b))), { numRuns: RUNS });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), fc.uint8Array({ minLength: 24, maxLength: 100 }), (epoch, sealed) => {
        const out = decodeRepair(encodeRepair(epoch, sealed));
        expect(out.epoch).toBe(epoch);
        expect(out.sealed).toEqual(sealed);
      }),
      { numRuns: 500 },
    );
  });

  it('fromBase64Url on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (s) => void onlyTypedErrors(() => fromBase64Url(s))), { numRuns: RUNS });
  });

  it('parsePeerMessage and parsePeerSignal on any JSON value', () => {
    fc.assert(
      fc.property(messageLike, (value) => {
        onlyTypedErrors(() => parsePeerMessage(value));
        onlyTypedErrors(() => parsePeerSignal(value));
      }),
      { numRuns: RUNS },
    );
  });

  it('parseCode on any text, and valid codes round-trip through formatCode', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => void onlyTypedErrors(() => parseCode(s))), { numRuns: RUNS });
    fc.assert(
      fc.property(fc.stringMatching(/^\d{3,6}$/), fc.stringMatching(/^\d{6}$/), (nameplate, secret) => {
        expect(parseCode(formatCode({ nameplate, secret }))).toEqual({ nameplate, secret });
      }),
      { numRuns: 500 },
    );
  });

  it('Opener.open on random, truncated and bit-flipped frames: typed errors, and the opener stays usable', () => {
    const key = new Uint8Array(32).fill(3);
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 255 }), (value, at, flip) => {
        const sealer = new Sealer(key);
        const opener = new Opener(key);
        const frame = sealJson(sealer, value);
        const bad = frame.slice();
        bad[at % bad.length]! ^= flip;
        expect(onlyTypedErrors(() => opener.open(bad))).toBe(false);
        expect(onlyTypedErrors(() => opener.open(frame.subarray(0, at % frame.length)))).toBe(false);
        // A failed open does not advance the counter: the genuine frame still opens.
        expect(openJson(opener, frame)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });
});
