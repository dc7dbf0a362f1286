import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ParleyError } from '../../protocol/errors.ts';
import { fromBase64Url, toBase64Url } from '../../protocol/base64.ts';
import { RelayKind, decodeRelay, decodeRepair, encodeRelay, encodeRepair } from '../../protocol/envelope.ts';
import { MAX_RELAY_CHARS } from '../../protocol/signaling.ts';
import { codeOf } from './helpers.ts';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
/** Builds relay data by hand (no validation), to feed decodeRelay bad envelopes. */
const raw = (kind: number, body: Uint8Array) => toBase64Url(Uint8Array.from([kind, ...body]));

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Sets an unused low bit in the last character of data whose length is not a multiple of 4. */
function nonCanonical(data: string): string {
  if (data.length % 4 === 0) throw new Error('no unused bits');
  const last = ALPHABET.indexOf(data.at(-1)!);
  expect(last & (data.length % 4 === 2 ? 15 : 3)).toBe(0);
  return data.slice(0, -1) + ALPHABET[last | 1];
}

/** Largest body whose envelope still fits in MAX_RELAY_CHARS base64url characters. */
const MAX_BODY = Math.floor((MAX_RELAY_CHARS * 3) / 4) - 1;

describe('base64url', () => {
  it('matches RFC 4648 test vectors (url alphabet, no padding)', () => {
    const enc = (s: string) => toBase64Url(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('Zg');
    expect(enc('fo')).toBe('Zm8');
    expect(enc('foo')).toBe('Zm9v');
    expect(enc('foob')).toBe('Zm9vYg');
    expect(enc('fooba')).toBe('Zm9vYmE');
    expect(enc('foobar')).toBe('Zm9vYmFy');
    expect(toBase64Url(Uint8Array.from([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(fromBase64Url('-_-_')).toEqual(Uint8Array.from([0xfb, 0xff, 0xbf]));
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
  });

  it('round-trips arbitrary bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        const text = toBase64Url(input);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text.length).toBe(Math.ceil((input.length * 4) / 3));
        expect(fromBase64Url(text)).toEqual(input);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips a buffer larger than one String.fromCharCode chunk', () => {
    const big = bytes(0x8000 * 2 + 17);
    expect(fromBase64Url(toBase64Url(big))).toEqual(big);
  });

  it.each([
    ['Zg=='], // padding
    ['Zg='],
    ['Zm9v+A'], // standard alphabet
    ['Zm9v/A'],
    ['Zm 9v'],
    ['Zm9v\n'],
    ['Zm9v.'],
    ['Zm9vé'],
    ['A'], // length ≡ 1 (mod 4) is never valid
    ['Zm9vY'],
    ['AB'], // non-canonical: unused bits set
    ['AAB'],
    ['Zh'],
  ])('rejects %j as MALFORMED', (text) => {
    expect(codeOf(() => fromBase64Url(text))).toBe('MALFORMED');
  });

  it('accepts exactly one spelling of each byte string (fast-check)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), (text) => {
        let decoded: Uint8Array;
        try {
          decoded = fromBase64Url(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          return;
        }
        expect(toBase64Url(decoded)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('only ever throws ParleyError MALFORMED on arbitrary strings (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const code = codeOf(() => fromBase64Url(text));
        expect(code === undefined || code === 'MALFORMED').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('relay envelope', () => {
  const cases: [string, RelayKind, number][] = [
    ['pake', RelayKind.Pake, 32],
    ['confirm', RelayKind.Confirm, 64],
    ['signal (smallest sealed frame)', RelayKind.Signal, 24],
    ['signal', RelayKind.Signal, 600],
    ['signal (largest that fits)', RelayKind.Signal, MAX_BODY],
  ];

  it.each(cases)('round-trips %s', (_name, kind, size) => {
    const body = bytes(size, kind);
    const data = encodeRelay(kind, body);
    expect(data.length).toBeLessThanOrEqual(MAX_RELAY_CHARS);
    expect(data).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeRelay(data);
    expect(decoded.kind).toBe(kind);
    expect(decoded.body).toEqual(body);
  });

  it('puts the kind in the first byte', () => {
    expect(fromBase64Url(encodeRelay(RelayKind.Pake, bytes(32)))[0]).toBe(1);
    expect(fromBase64Url(encodeRelay(RelayKind.Confirm, bytes(64)))[0]).toBe(2);
    expect(fromBase64Url(encodeRelay(RelayKind.Signal, bytes(30)))[0]).toBe(3);
  });

  it('round-trips any signal body that fits (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 2000 }), (body) => {
        const decoded = decodeRelay(encodeRelay(RelayKind.Signal, body));
        expect(decoded).toEqual({ kind: RelayKind.Signal, body });
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['pake 31', RelayKind.Pake, 31],
    ['pake 33', RelayKind.Pake, 33],
    ['pake 0', RelayKind.Pake, 0],
    ['confirm 63', RelayKind.Confirm, 63],
    ['confirm 65', RelayKind.Confirm, 65],
    ['confirm 32', RelayKind.Confirm, 32],
    ['signal 23', RelayKind.Signal, 23],
    ['signal 0', RelayKind.Signal, 0],
  ])('rejects a %s-byte body as MALFORMED', (_name, kind, size) => {
    expect(codeOf(() => decodeRelay(raw(kind, bytes(size))))).toBe('MALFORMED');
  });

  it.each([0, 5, 127, 255])('rejects unknown kind %i as MALFORMED', (kind) => {
    expect(codeOf(() => decodeRelay(raw(kind, bytes(32))))).toBe('MALFORMED');
    expect(codeOf(() => decodeRelay(raw(kind, bytes(64))))).toBe('MALFORMED');
  });

  it('round-trips a repair body: epoch then the sealed frame', () => {
    const sealed = bytes(40);
    const { kind, body } = decodeRelay(encodeRelay(RelayKind.Repair, encodeRepair(7, sealed)));
    expect(kind).toBe(RelayKind.Repair);
    const repair = decodeRepair(body);
    expect(repair.epoch).toBe(7);
    expect(repair.sealed).toEqual(sealed);
  });

  it('refuses repair bodies for epoch 0, out-of-range epochs and short frames', () => {
    expect(codeOf(() => encodeRepair(0, bytes(40)))).toBe('MALFORMED');
    expect(codeOf(() => encodeRepair(2 ** 32, bytes(40)))).toBe('MALFORMED');
    expect(codeOf(() => encodeRepair(-1, bytes(40)))).toBe('MALFORMED');
    expect(codeOf(() => decodeRepair(new Uint8Array(4 + 40)))).toBe('MALFORMED'); // epoch 0
    expect(codeOf(() => decodeRelay(raw(RelayKind.Repair, bytes(4 + 23))))).toBe('MALFORMED'); // too short
    expect(codeOf(() => decodeRepair(bytes(10)))).toBe('MALFORMED');
  });

  it.each([
    ['empty string', ''],
    ['undefined', undefined],
    ['null', null],
    ['number', 1],
    ['object', { data: raw(1, bytes(32)) }],
    ['array', [raw(1, bytes(32))]],
    ['Uint8Array', Uint8Array.from([1, ...bytes(32)])],
    ['String object', new String(raw(1, bytes(32)))],
  ])('rejects %s as MALFORMED', (_name, data) => {
    expect(codeOf(() => decodeRelay(data))).toBe('MALFORMED');
  });

  it.each([
    ['padding', raw(1, bytes(32)) + '='],
    ['standard alphabet', raw(3, bytes(60)).replace(/-|_/g, '+').padEnd(81, '+')],
    ['whitespace', ' ' + raw(1, bytes(32))],
    ['a newline', raw(1, bytes(32)) + '\n'],
    ['non-ASCII', raw(1, bytes(32)).slice(0, -1) + 'é'],
    ['a single character', 'A'],
    ['unused bits set in the last character', nonCanonical(raw(RelayKind.Confirm, bytes(64)))],
  ])('rejects data with %s as MALFORMED', (_name, data) => {
    expect(codeOf(() => decodeRelay(data))).toBe('MALFORMED');
  });

  it('rejects data over MAX_RELAY_CHARS as PAYLOAD_TOO_LARGE before decoding it', () => {
    expect(codeOf(() => decodeRelay('A'.repeat(MAX_RELAY_CHARS + 1)))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => decodeRelay('!'.repeat(MAX_RELAY_CHARS + 1)))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => decodeRelay(raw(3, bytes(MAX_BODY + 1))))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => decodeRelay('A'.repeat(10 * MAX_RELAY_CHARS)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses to encode an envelope over MAX_RELAY_CHARS', () => {
    expect(codeOf(() => encodeRelay(RelayKind.Signal, bytes(MAX_BODY)))).toBeUndefined();
    expect(codeOf(() => encodeRelay(RelayKind.Signal, bytes(MAX_BODY + 1)))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => encodeRelay(RelayKind.Signal, bytes(1 << 20)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('detects a flipped kind byte as a size error for pake/confirm', () => {
    const pake = fromBase64Url(encodeRelay(RelayKind.Pake, bytes(32)));
    pake[0] = RelayKind.Confirm;
    expect(codeOf(() => decodeRelay(toBase64Url(pake)))).toBe('MALFORMED');
  });

  it('only ever throws ParleyError on arbitrary input (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/),
          fc.uint8Array({ maxLength: 200 }).map(toBase64Url),
          fc.anything(),
        ),
        (data) => {
          let env;
          try {
            env = decodeRelay(data);
          } catch (e) {
            expect(e).toBeInstanceOf(ParleyError);
            expect(['MALFORMED', 'PAYLOAD_TOO_LARGE']).toContain((e as ParleyError).code);
            return;
          }
          expect(Object.values(RelayKind)).toContain(env.kind);
          expect(encodeRelay(env.kind, env.body)).toBe(data);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
