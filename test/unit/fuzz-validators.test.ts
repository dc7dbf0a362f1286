/**
 * fast-check properties for the decoders and validators that fuzz-protocol.test.ts does not
 * cover. Together the two files cover every exported parse / decode / validate function and
 * every exported schema in protocol/:
 *
 * | module        | decoders and validators                                              | file   |
 * | ------------- | -------------------------------------------------------------------- | ------ |
 * | base64.ts     | fromBase64Url (+ toBase64Url round trip)                             | both   |
 * | code.ts       | parseCode, isNameplate                                               | both   |
 * | envelope.ts   | decodeRelay (any value, round trip), decodeRepair                    | both   |
 * | cpace.ts      | cpaceFinish (peer share), scalarMultVfy                              | here   |
 * | seal.ts       | Opener.open, openJson (authentic non-JSON)                           | both   |
 * | keys.ts       | verifyFingerprintProof, normalizeFingerprint                         | here   |
 * | sas.ts        | safetyEmoji, safetyNumber                                            | here   |
 * | peer.ts       | parsePeerMessage, parsePeerSignal (random, round trip), isPushableUrl| both   |
 * | file.ts       | parseFileMessage, readFileFrame, checkFileChunk, decodeFileChunk     | here   |
 * | file-policy.ts| FilePolicySchema, typeAllowed, checkFile, checkBatch                 | here   |
 * | signaling.ts  | every schema (requests, answers, events, handshake)                  | here   |
 * | canned.ts     | CannedTreeSchema, CannedResponseSchema                               | here   |
 *
 * Throwing functions may only throw ParleyError; predicates and valibot schemas (used with
 * safeParse everywhere) must not throw at all.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../protocol/base64.ts';
import { CannedResponseSchema, CannedTreeSchema } from '../../protocol/canned.ts';
import { isNameplate } from '../../protocol/code.ts';
import { cpaceFinish, cpaceStart, scalarMultVfy } from '../../protocol/cpace.ts';
import { RelayKind, decodeRelay, encodeRelay } from '../../protocol/envelope.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { checkFileChunk, decodeFileChunk, encodeFileChunk, parseFileMessage, readFileFrame } from '../../protocol/file.ts';
import { FilePolicySchema, checkBatch, checkFile, typeAllowed } from '../../protocol/file-policy.ts';
import { normalizeFingerprint, verifyFingerprintProof } from '../../protocol/keys.ts';
import { isPushableUrl, parsePeerMessage, parsePeerSignal } from '../../protocol/peer.ts';
import { safetyEmoji, safetyNumber } from '../../protocol/sas.ts';
import { Opener, Sealer, openJson } from '../../protocol/seal.ts';
import * as signaling from '../../protocol/signaling.ts';
import { validFileMessage, validPeerMessage, validSignal } from './fuzz-arbitraries.ts';

const RUNS = 1_000;

function onlyTypedErrors(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(ParleyError);
    return false;
  }
}

/** Anything JSON can carry, plus the odd non-JSON value a buggy caller might pass. */
const anyValue = fc.oneof(fc.jsonValue(), fc.anything(), fc.uint8Array({ maxLength: 64 }));

describe('fuzz: valid messages round-trip through JSON and the parsers', () => {
  it('every peer message type', () => {
    fc.assert(
      fc.property(validPeerMessage, (message) => {
        expect(parsePeerMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
      }),
      { numRuns: RUNS },
    );
  });

  it('every file message type, alone and as a peer message', () => {
    fc.assert(
      fc.property(validFileMessage, (message) => {
        const wire = JSON.parse(JSON.stringify(message));
        expect(parseFileMessage(wire)).toEqual(message);
        expect(parsePeerMessage(wire)).toEqual(message);
      }),
      { numRuns: RUNS },
    );
  });

  it('every signal object', () => {
    fc.assert(fc.property(validSignal, (signal) => void expect(parsePeerSignal(JSON.parse(JSON.stringify(signal)))).toEqual(signal)), { numRuns: RUNS });
  });

  it('relay envelopes of every kind, and base64url bytes', () => {
    const kinds = fc.oneof(
      fc.tuple(fc.constant(RelayKind.Pake), fc.uint8Array({ minLength: 32, maxLength: 32 })),
      fc.tuple(fc.constant(RelayKind.Confirm), fc.uint8Array({ minLength: 64, maxLength: 64 })),
      fc.tuple(fc.constant(RelayKind.Signal), fc.uint8Array({ minLength: 24, maxLength: 400 })),
      fc.tuple(fc.constant(RelayKind.Repair), fc.uint8Array({ minLength: 28, maxLength: 400 })),
    );
    fc.assert(
      fc.property(kinds, ([kind, body]) => {
        expect(decodeRelay(encodeRelay(kind, body))).toEqual({ kind, body });
      }),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes)), { numRuns: RUNS });
  });

  it('file chunk frames', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), fc.nat({ max: 0xffff_ffff }), fc.uint8Array({ minLength: 1, maxLength: 2000 }), (fid, index, data) => {
        const chunk = readFileFrame(encodeFileChunk(fid, index, data));
        expect(chunk).toEqual({ fid, index, data });
      }),
      { numRuns: RUNS },
    );
  });

  it('file policies and the signaling answers', () => {
    const policy = fc.record({
      maxBytes: fc.nat({ max: 2 ** 32 }),
      maxCount: fc.integer({ min: 1, max: 5 }),
      types: fc.array(fc.constantFrom('text/*', 'application/pdf', '*', '*/*', '.log', 'image/png'), { maxLength: 64 }),
      autoAcceptFromRep: fc.boolean(),
    });
    fc.assert(fc.property(policy, (p) => void expect(v.parse(FilePolicySchema, JSON.parse(JSON.stringify(p)))).toEqual(p)), { numRuns: 300 });
    const sid = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
    const answer = fc.record({ ok: fc.constant(true as const), nameplate: fc.stringMatching(/^[1-9][0-9]{2,5}$/), sid, expiresAt: fc.nat(), iceServers: fc.array(fc.record({ urls: fc.webUrl() }), { maxLength: 3 }) });
    fc.assert(
      fc.property(answer, (a) => {
        expect(v.parse(signaling.CreateRoomResultSchema, JSON.parse(JSON.stringify(a)))).toEqual(a);
        const { nameplate: _n, expiresAt: _e, ...joined } = a;
        expect(v.parse(signaling.JoinRoomResultSchema, joined)).toEqual(joined);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: decoders throw only typed errors on hostile input', () => {
  it('decodeRelay on any value', () => {
    fc.assert(fc.property(anyValue, (value) => void onlyTypedErrors(() => decodeRelay(value))), { numRuns: RUNS });
  });

  it('cpaceFinish on any peer share (random, wrong length, identity, non-canonical)', () => {
    const sid = new Uint8Array(32).fill(7);
    const share = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 80 }), fc.constant(new Uint8Array(32)), fc.constant(new Uint8Array(32).fill(0xff)));
    fc.assert(
      fc.property(share, (peer) => {
        const { state } = cpaceStart({ password: '482-913775', sid, role: 'rep' });
        onlyTypedErrors(() => cpaceFinish(state, peer));
        // A state is single-use, whatever happened: a second finish is refused with a typed error.
        expect(onlyTypedErrors(() => cpaceFinish(state, peer))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('scalarMultVfy on any scalar and encoding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n }), fc.uint8Array({ maxLength: 40 }), (scalar, encoded) => void onlyTypedErrors(() => scalarMultVfy(scalar, encoded))),
      { numRuns: 300 },
    );
  });

  it('openJson on authentic frames whose plaintext is any bytes', () => {
    const key = new Uint8Array(32).fill(9);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (plaintext) => {
        const opener = new Opener(key);
        onlyTypedErrors(() => openJson(opener, new Sealer(key).seal(plaintext)));
        expect(opener.counter).toBe(1); // authentic, so its counter is used up either way
      }),
      { numRuns: RUNS },
    );
  });

  it('parseFileMessage on any value, and on valid messages with one field replaced', () => {
    fc.assert(fc.property(anyValue, (value) => void onlyTypedErrors(() => parseFileMessage(value))), { numRuns: RUNS });
    fc.assert(
      fc.property(validFileMessage, fc.string({ maxLength: 10 }), anyValue, (message, key, value) => {
        const keys = Object.keys(message);
        const field = keys[key.length % keys.length]!;
        onlyTypedErrors(() => parseFileMessage({ ...message, [field]: value }));
        onlyTypedErrors(() => parsePeerMessage({ ...message, [field]: value }));
      }),
      { numRuns: RUNS },
    );
  });

  it('readFileFrame, checkFileChunk and decodeFileChunk on random and mutated frames', () => {
    const expectation = fc.option(fc.record({ next: fc.nat({ max: 100 }), size: fc.nat({ max: 10_000_000 }) }), { nil: undefined });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), expectation, (frame, expected) => {
        onlyTypedErrors(() => readFileFrame(frame));
        onlyTypedErrors(() => decodeFileChunk(frame, () => expected));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.nat({ max: 255 }), expectation, (index, data, at, value, expected) => {
        const frame = encodeFileChunk('f_Zx81kLq0aB2c', index, data);
        frame[at % frame.length] = value;
        onlyTypedErrors(() => decodeFileChunk(frame, () => expected));
        onlyTypedErrors(() => checkFileChunk({ fid: 'f_Zx81kLq0aB2c', index, data }, expected));
      }),
      { numRuns: RUNS },
    );
  });

  it('safetyEmoji and safetyNumber on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (sas) => {
        onlyTypedErrors(() => safetyEmoji(sas));
        onlyTypedErrors(() => safetyNumber(sas));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: predicates and schemas never throw', () => {
  it('verifyFingerprintProof with any MAC and fingerprints is false, never a throw', () => {
    const key = new Uint8Array(32).fill(1);
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.uint8Array({ maxLength: 64 }), (local, remote, mac) => {
        expect(verifyFingerprintProof(key, 'rep', local, remote, mac)).toBe(false);
        expect(typeof normalizeFingerprint(local)).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('isPushableUrl and isNameplate on any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'data:text/html,x', 'http://', 'https:// x')), (s) => {
        const ok = isPushableUrl(s);
        if (ok) expect(/^https?:/i.test(s)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(anyValue, (value) => void expect(typeof isNameplate(value)).toBe('boolean')), { numRuns: RUNS });
  });

  it('typeAllowed, checkFile and checkBatch on any file description', () => {
    const file = fc.record({ name: fc.string(), size: fc.oneof(fc.integer(), fc.double()), mime: fc.string() });
    const policy = fc.record({ maxBytes: fc.nat(), maxCount: fc.integer({ min: 1, max: 5 }), types: fc.array(fc.string(), { maxLength: 8 }), autoAcceptFromRep: fc.boolean() });
    fc.assert(
      fc.property(policy, fc.array(file, { maxLength: 8 }), (p, files) => {
        for (const f of files) {
          expect(typeof typeAllowed(p.types, f.mime, f.name)).toBe('boolean');
          checkFile(p, f);
        }
        expect(checkBatch(p, files)).toHaveLength(files.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('every signaling, file-policy and canned schema on any value', () => {
    const schemas = [
      ...Object.entries(signaling).filter(([name]) => name.endsWith('Schema')),
      ['FilePolicySchema', FilePolicySchema],
      ['CannedTreeSchema', CannedTreeSchema],
      ['CannedResponseSchema', CannedResponseSchema],
    ] as [string, v.GenericSchema][];
    expect(schemas.length).toBeGreaterThanOrEqual(14);
    fc.assert(
      fc.property(anyValue, (value) => {
        for (const [, schema] of schemas) v.safeParse(schema, value);
      }),
      { numRuns: RUNS },
    );
  });
});
