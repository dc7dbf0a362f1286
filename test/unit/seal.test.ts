import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ParleyError } from '../../protocol/errors.ts';
import {
  DEFAULT_MAX_PLAINTEXT,
  FRAME_OVERHEAD,
  Opener,
  Sealer,
  nonceFor,
  openJson,
  sealJson,
} from '../../protocol/seal.ts';
import { codeOf } from './helpers.ts';

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const otherKey = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const bytes = (...xs: number[]) => Uint8Array.from(xs);
const h = bytesToHex;

describe('nonceFor', () => {
  it('puts the big-endian counter in the last 8 of 24 bytes', () => {
    expect(h(nonceFor(0))).toBe('00'.repeat(24));
    expect(h(nonceFor(1))).toBe('00'.repeat(23) + '01');
    expect(h(nonceFor(0x0102030405))).toBe('00'.repeat(19) + '0102030405');
    expect(h(nonceFor(Number.MAX_SAFE_INTEGER))).toBe('00'.repeat(17) + '1fffffffffffff');
  });

  it('rejects unsafe counters', () => {
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) expect(() => nonceFor(bad)).toThrow(RangeError);
  });
});

describe('Sealer / Opener', () => {
  it('round-trips and counts from 0', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    expect(s.counter).toBe(0);
    expect(o.counter).toBe(0);
    for (let i = 0; i < 5; i++) {
      const msg = bytes(i, i + 1, i + 2);
      const frame = s.seal(msg);
      expect(frame.length).toBe(msg.length + FRAME_OVERHEAD);
      expect(h(o.open(frame))).toBe(h(msg));
    }
    expect(s.counter).toBe(5);
    expect(o.counter).toBe(5);
  });

  it('frame = 8-byte big-endian counter ‖ secretbox(plaintext, nonceFor(counter), key)', () => {
    const s = new Sealer(key);
    s.seal(bytes(0));
    const frame = s.seal(bytes(1, 2, 3));
    expect(h(frame.subarray(0, 8))).toBe('0000000000000001');
    expect(h(frame.subarray(8))).toBe(h(nacl.secretbox(bytes(1, 2, 3), nonceFor(1), key)));
  });

  it('round-trips an empty message', () => {
    const frame = new Sealer(key).seal(new Uint8Array(0));
    expect(frame.length).toBe(FRAME_OVERHEAD);
    expect(new Opener(key).open(frame).length).toBe(0);
  });

  it('a tampered byte anywhere → TAMPERED, and the counter does not advance', () => {
    const frame = new Sealer(key).seal(bytes(10, 20, 30, 40));
    const o = new Opener(key);
    for (let i = 0; i < frame.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const bad = Uint8Array.from(frame);
        bad[i] = (bad[i] ?? 0) ^ flip;
        expect(codeOf(() => o.open(bad))).toBe('TAMPERED');
        expect(o.counter).toBe(0);
      }
    }
    expect(h(o.open(frame))).toBe(h(bytes(10, 20, 30, 40)));
  });

  it('a replayed frame → REPLAYED', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    const f0 = s.seal(bytes(1));
    o.open(f0);
    expect(codeOf(() => o.open(f0))).toBe('REPLAYED');
    expect(o.counter).toBe(1);
    const f1 = s.seal(bytes(2));
    expect(h(o.open(f1))).toBe(h(bytes(2)));
    expect(codeOf(() => o.open(f0))).toBe('REPLAYED');
  });

  it('reordered (frame 2 before frame 1) → REPLAYED, then the correct next one still opens', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    const f0 = s.seal(bytes(0));
    const f1 = s.seal(bytes(1));
    const f2 = s.seal(bytes(2));
    o.open(f0);
    let err: unknown;
    try {
      o.open(f2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('REPLAYED');
    expect((err as ParleyError).message).toMatch(/reordered/);
    expect(o.counter).toBe(1);
    expect(h(o.open(f1))).toBe(h(bytes(1)));
    expect(h(o.open(f2))).toBe(h(bytes(2)));
  });

  it('wrong key → TAMPERED', () => {
    const frame = new Sealer(key).seal(bytes(1, 2, 3));
    expect(codeOf(() => new Opener(otherKey).open(frame))).toBe('TAMPERED');
  });

  it('truncated or malformed frames → MALFORMED', () => {
    const frame = new Sealer(key).seal(bytes(1, 2, 3));
    const o = new Opener(key);
    for (const bad of [new Uint8Array(0), frame.subarray(0, 8), frame.subarray(0, FRAME_OVERHEAD - 1)]) {
      expect(codeOf(() => o.open(bad))).toBe('MALFORMED');
    }
    for (const bad of ['frame', null, undefined, [1, 2, 3], new ArrayBuffer(40)]) {
      expect(codeOf(() => o.open(bad as unknown as Uint8Array))).toBe('MALFORMED');
    }
    // Cut inside the ciphertext but still long enough: authentication fails.
    expect(codeOf(() => o.open(frame.subarray(0, frame.length - 1)))).toBe('TAMPERED');
    expect(o.counter).toBe(0);
    expect(h(o.open(frame))).toBe(h(bytes(1, 2, 3)));
  });

  it('oversized → PAYLOAD_TOO_LARGE, at exactly the limit it opens', () => {
    const s = new Sealer(key);
    const o = new Opener(key, { maxPlaintext: 100 });
    const atLimit = s.seal(new Uint8Array(100));
    const over = s.seal(new Uint8Array(101));
    expect(o.open(atLimit).length).toBe(100);
    expect(codeOf(() => o.open(over))).toBe('PAYLOAD_TOO_LARGE');
    expect(o.counter).toBe(1);
  });

  it('default limit is 256 KiB of plaintext', () => {
    expect(DEFAULT_MAX_PLAINTEXT).toBe(262144);
    const s = new Sealer(key);
    const o = new Opener(key);
    expect(o.open(s.seal(new Uint8Array(DEFAULT_MAX_PLAINTEXT))).length).toBe(DEFAULT_MAX_PLAINTEXT);
    expect(codeOf(() => o.open(s.seal(new Uint8Array(DEFAULT_MAX_PLAINTEXT + 1))))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a failed open never advances the counter', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    const f0 = s.seal(bytes(0));
    const attempts = [
      () => o.open(new Uint8Array(5)),
      () => o.open(new Uint8Array(64)),
      () => o.open(new Sealer(otherKey).seal(bytes(0))),
      () => o.open(Uint8Array.from([...f0.subarray(0, 8), ...new Uint8Array(20)])),
    ];
    for (const attempt of attempts) {
      expect(codeOf(attempt)).toBeDefined();
      expect(o.counter).toBe(0);
    }
    expect(h(o.open(f0))).toBe(h(bytes(0)));
  });

  it('rejects keys of the wrong size and bad options', () => {
    expect(codeOf(() => new Sealer(new Uint8Array(31)))).toBe('BAD_KEY');
    expect(codeOf(() => new Opener(new Uint8Array(33)))).toBe('BAD_KEY');
    expect(codeOf(() => new Sealer('k' as unknown as Uint8Array))).toBe('BAD_KEY');
    expect(() => new Opener(key, { maxPlaintext: -1 })).toThrow(RangeError);
    expect(codeOf(() => new Sealer(key).seal('text' as unknown as Uint8Array))).toBe('MALFORMED');
  });

  it('keeps its own copy of the key', () => {
    const k = Uint8Array.from(key);
    const s = new Sealer(k);
    k.fill(0);
    expect(h(new Opener(key).open(s.seal(bytes(7))))).toBe(h(bytes(7)));
  });

  it('opens frames that are views into a larger buffer', () => {
    const frame = new Sealer(key).seal(bytes(4, 5, 6));
    const big = new Uint8Array(frame.length + 10);
    big.set(frame, 5);
    expect(h(new Opener(key).open(big.subarray(5, 5 + frame.length)))).toBe(h(bytes(4, 5, 6)));
  });

  it('fast-check: arbitrary bytes to open only throw ParleyError and never advance', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        const o = new Opener(key, { maxPlaintext: 128 });
        expect(() => o.open(junk)).toThrow(ParleyError);
        expect(o.counter).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('fast-check: any sequence of messages round-trips in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (msgs) => {
        const s = new Sealer(key);
        const o = new Opener(key);
        for (const m of msgs) expect(h(o.open(s.seal(m)))).toBe(h(m));
        expect(o.counter).toBe(msgs.length);
      }),
    );
  });
});

describe('sealJson / openJson', () => {
  it('round-trips JSON values', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    for (const v of [{ type: 'chat', text: 'héllo ✓' }, [1, 2, 3], 'str', 42, null, true]) {
      expect(openJson(o, sealJson(s, v))).toEqual(v);
    }
  });

  it('a sealed non-JSON payload → MALFORMED (the frame is still consumed)', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    expect(codeOf(() => openJson(o, s.seal(new TextEncoder().encode('{not json'))))).toBe('MALFORMED');
    expect(codeOf(() => openJson(o, s.seal(bytes(0xff, 0xfe))))).toBe('MALFORMED');
    expect(o.counter).toBe(2);
    expect(openJson(o, sealJson(s, { ok: 1 }))).toEqual({ ok: 1 });
  });

  it('openJson passes through open errors', () => {
    const frame = sealJson(new Sealer(key), { a: 1 });
    const bad = Uint8Array.from(frame);
    bad[10] = (bad[10] ?? 0) ^ 1;
    expect(codeOf(() => openJson(new Opener(key), bad))).toBe('TAMPERED');
  });

  it('values without a JSON form → MALFORMED, without using a counter', () => {
    const s = new Sealer(key);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const v of [undefined, () => 1, 10n, cyclic]) expect(codeOf(() => sealJson(s, v))).toBe('MALFORMED');
    expect(s.counter).toBe(0);
  });

  it('fast-check: JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const s = new Sealer(key);
        const o = new Opener(key);
        expect(openJson(o, sealJson(s, v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });
});
