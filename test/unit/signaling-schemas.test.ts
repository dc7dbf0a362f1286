import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { ERROR_CODES } from '../../protocol/errors.ts';
import {
  ClaimRoomRequestSchema,
  ClaimRoomResultSchema,
  CreateRoomResultSchema,
  JoinRoomRequestSchema,
  JoinRoomResultSchema,
  MAX_RELAY_CHARS,
  RelaySchema,
  ResumeRoomRequestSchema,
  ResumeRoomResultSchema,
  RoomClosedSchema,
  RoomRefSchema,
  ServerErrorSchema,
  TurnCredentialsRequestSchema,
  TurnCredentialsResultSchema,
} from '../../protocol/signaling.ts';

const SID = 'q1w2e3r4t5y6u7i8o9p0-_ASDFGHJKLZXCVBNMqwert'; // 43 base64url characters
const ICE = [
  { urls: 'stun:stun.example.com:3478' },
  { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'p' },
];

const ok = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;

describe('fixtures', () => {
  it('uses a 43-character sid', () => expect(SID).toHaveLength(43));
});

describe('JoinRoomRequestSchema', () => {
  it.each(['482', '4821', '48211', '482113', '000'])('accepts nameplate %j', (nameplate) => {
    expect(v.parse(JoinRoomRequestSchema, { nameplate })).toEqual({ nameplate });
  });

  it('drops unknown keys (forward compatibility) and never lets a secret through', () => {
    expect(v.parse(JoinRoomRequestSchema, { nameplate: '482', secret: '913775', v: 2 })).toEqual({ nameplate: '482' });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a bare nameplate string', '482'],
    ['an empty object', {}],
    ['a number', { nameplate: 482 }],
    ['two digits', { nameplate: '48' }],
    ['seven digits', { nameplate: '4821134' }],
    ['a full code', { nameplate: '482-913775' }],
    ['nine digits', { nameplate: '482913775' }],
    ['letters', { nameplate: 'abc' }],
    ['a trailing newline', { nameplate: '482\n' }],
    ['spaces', { nameplate: ' 482' }],
    ['non-ASCII digits', { nameplate: '٤٨٢' }],
    ['an array', { nameplate: ['482'] }],
  ])('rejects %s', (_name, value) => {
    expect(ok(JoinRoomRequestSchema, value)).toBe(false);
  });
});

describe('RelaySchema', () => {
  it('accepts base64url data with and without a sid', () => {
    expect(v.parse(RelaySchema, { data: 'AQ3x-_' })).toEqual({ data: 'AQ3x-_' });
    expect(v.parse(RelaySchema, { data: 'AQ3x', sid: SID })).toEqual({ data: 'AQ3x', sid: SID });
  });

  it('accepts data of exactly MAX_RELAY_CHARS', () => {
    expect(ok(RelaySchema, { data: 'A'.repeat(MAX_RELAY_CHARS) })).toBe(true);
  });

  it('drops unknown keys', () => {
    expect(v.parse(RelaySchema, { data: 'AQ', to: 'everyone', plaintext: 'hi' })).toEqual({ data: 'AQ' });
  });

  it.each([
    ['undefined', undefined],
    ['a bare string', 'AQ3x'],
    ['missing data', {}],
    ['empty data', { data: '' }],
    ['data as number', { data: 1 }],
    ['data as bytes', { data: Uint8Array.from([1, 2]) }],
    ['data with padding', { data: 'AQ==' }],
    ['data with "+"', { data: 'A+Q' }],
    ['data with "/"', { data: 'A/Q' }],
    ['data with a space', { data: 'AQ 3x' }],
    ['data with a trailing newline', { data: 'AQ3x\n' }],
    ['data with JSON', { data: '{"type":"offer"}' }],
    ['data with an SDP line', { data: 'a=fingerprint:sha-256 AB' }],
    ['data over MAX_RELAY_CHARS', { data: 'A'.repeat(MAX_RELAY_CHARS + 1) }],
    ['a short sid', { data: 'AQ', sid: SID.slice(1) }],
    ['a long sid', { data: 'AQ', sid: SID + 'A' }],
    ['a sid with "="', { data: 'AQ', sid: SID.slice(1) + '=' }],
    ['a null sid', { data: 'AQ', sid: null }],
  ])('rejects %s', (_name, value) => {
    expect(ok(RelaySchema, value)).toBe(false);
  });
});

describe('CreateRoomResultSchema', () => {
  const success = { ok: true, nameplate: '482', sid: SID, expiresAt: 1767225600000, iceServers: ICE };

  it('accepts a success and a failure', () => {
    expect(v.parse(CreateRoomResultSchema, success)).toEqual(success);
    expect(v.parse(CreateRoomResultSchema, { ...success, iceServers: [] })).toEqual({ ...success, iceServers: [] });
    for (const error of ERROR_CODES) {
      expect(v.parse(CreateRoomResultSchema, { ok: false, error })).toEqual({ ok: false, error });
    }
  });

  it('drops unknown keys on both branches', () => {
    expect(v.parse(CreateRoomResultSchema, { ...success, motd: 'hi' })).toEqual(success);
    expect(v.parse(CreateRoomResultSchema, { ok: false, error: 'SERVER_FULL', retryAfter: 5 })).toEqual({ ok: false, error: 'SERVER_FULL' });
  });

  it.each([
    ['undefined', undefined],
    ['an empty object', {}],
    ['ok as string', { ...success, ok: 'true' }],
    ['missing ok', { ...success, ok: undefined }],
    ['a bad nameplate', { ...success, nameplate: '48' }],
    ['a nameplate as number', { ...success, nameplate: 482 }],
    ['a bad sid', { ...success, sid: 'short' }],
    ['missing sid', { ...success, sid: undefined }],
    ['expiresAt as string', { ...success, expiresAt: '1767225600000' }],
    ['expiresAt NaN', { ...success, expiresAt: Number.NaN }],
    ['missing iceServers', { ...success, iceServers: undefined }],
    ['iceServers not an array', { ...success, iceServers: ICE[0] }],
    ['an ICE server without urls', { ...success, iceServers: [{ username: 'u' }] }],
    ['an ICE server with urls as number', { ...success, iceServers: [{ urls: 3478 }] }],
    ['an ICE url over 512 characters', { ...success, iceServers: [{ urls: 'stun:' + 'a'.repeat(510) }] }],
    ['more than 8 urls in one server', { ...success, iceServers: [{ urls: Array.from({ length: 9 }, (_, i) => `stun:s${i}`) }] }],
    ['a credential as object', { ...success, iceServers: [{ urls: 'turn:t', credential: { a: 1 } }] }],
    ['a failure without error', { ok: false }],
    ['a failure with an unknown error', { ok: false, error: 'TEAPOT' }],
    ['a failure with a lower-case error', { ok: false, error: 'room_crowded' }],
    ['a failure with error as number', { ok: false, error: 1 }],
    ['ok true with only an error', { ok: true, error: 'ROOM_CROWDED' }],
  ])('rejects %s', (_name, value) => {
    expect(ok(CreateRoomResultSchema, value)).toBe(false);
  });
});

describe('JoinRoomResultSchema', () => {
  const success = { ok: true, sid: SID, iceServers: ICE };

  it('accepts a success and every failure code', () => {
    expect(v.parse(JoinRoomResultSchema, success)).toEqual(success);
    for (const error of ERROR_CODES) expect(ok(JoinRoomResultSchema, { ok: false, error })).toBe(true);
  });

  it('does not require or keep a nameplate', () => {
    expect(v.parse(JoinRoomResultSchema, { ...success, nameplate: '482' })).toEqual(success);
  });

  it.each([
    ['undefined', undefined],
    ['missing sid', { ok: true, iceServers: [] }],
    ['a 32-character sid', { ok: true, sid: 'A'.repeat(32), iceServers: [] }],
    ['a sid with a slash', { ok: true, sid: SID.slice(1) + '/', iceServers: [] }],
    ['missing iceServers', { ok: true, sid: SID }],
    ['an ICE server as string', { ok: true, sid: SID, iceServers: ['stun:x'] }],
    ['an unknown error', { ok: false, error: 'NOPE' }],
    ['ok null', { ok: null, sid: SID, iceServers: [] }],
  ])('rejects %s', (_name, value) => {
    expect(ok(JoinRoomResultSchema, value)).toBe(false);
  });
});

describe('ICE settings in answers (iceTransportPolicy, iceServersTtlSeconds)', () => {
  const join = { ok: true, sid: SID, iceServers: ICE };

  it('are optional, and kept when valid', () => {
    expect(v.parse(JoinRoomResultSchema, join)).toEqual(join);
    const relayed = { ...join, iceTransportPolicy: 'relay', iceServersTtlSeconds: 900 };
    expect(v.parse(JoinRoomResultSchema, relayed)).toEqual(relayed);
    expect(v.parse(CreateRoomResultSchema, { ...relayed, nameplate: '482', expiresAt: 1 })).toMatchObject({ iceTransportPolicy: 'relay', iceServersTtlSeconds: 900 });
    expect(v.parse(ResumeRoomResultSchema, { ok: true, peerPresent: false, iceServers: [], iceTransportPolicy: 'all' })).toMatchObject({ iceTransportPolicy: 'all' });
  });

  it.each([
    ['an unknown policy', { iceTransportPolicy: 'tcp' }],
    ['a policy in capitals', { iceTransportPolicy: 'RELAY' }],
    ['a TTL of 0', { iceServersTtlSeconds: 0 }],
    ['a fractional TTL', { iceServersTtlSeconds: 1.5 }],
    ['a TTL over a day', { iceServersTtlSeconds: 86_401 }],
    ['a TTL as string', { iceServersTtlSeconds: '900' }],
  ])('make the answer invalid with %s', (_name, extra) => {
    expect(ok(JoinRoomResultSchema, { ...join, ...extra })).toBe(false);
    expect(ok(TurnCredentialsResultSchema, { ok: true, iceServers: ICE, ...extra })).toBe(false);
  });
});

describe('turn-credentials', () => {
  it('the request is an optional room reference', () => {
    expect(v.parse(TurnCredentialsRequestSchema, undefined)).toEqual({});
    expect(v.parse(TurnCredentialsRequestSchema, { sid: SID, extra: 1 })).toEqual({ sid: SID });
    expect(ok(TurnCredentialsRequestSchema, { sid: 'short' })).toBe(false);
    expect(ok(TurnCredentialsRequestSchema, 'x')).toBe(false);
  });

  it('the answer is ICE settings or a failure', () => {
    const answer = { ok: true, iceServers: ICE, iceServersTtlSeconds: 900 };
    expect(v.parse(TurnCredentialsResultSchema, answer)).toEqual(answer);
    expect(v.parse(TurnCredentialsResultSchema, { ok: false, error: 'NOT_IN_ROOM' })).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(ok(TurnCredentialsResultSchema, { ok: true })).toBe(false);
    expect(ok(TurnCredentialsResultSchema, { ok: false, error: 'NOPE' })).toBe(false);
  });
});

describe('RoomClosedSchema', () => {
  it('accepts every error code as a reason, with or without a sid', () => {
    for (const reason of ERROR_CODES) {
      expect(v.parse(RoomClosedSchema, { reason })).toEqual({ reason });
      expect(v.parse(RoomClosedSchema, { reason, sid: SID })).toEqual({ reason, sid: SID });
    }
  });

  it.each([
    ['undefined', undefined],
    ['a bare reason', 'ROOM_BURNED'],
    ['missing reason', {}],
    ['an unknown reason', { reason: 'BECAUSE' }],
    ['a reason as number', { reason: 3 }],
    ['a bad sid', { reason: 'ROOM_BURNED', sid: 'x' }],
  ])('rejects %s', (_name, value) => {
    expect(ok(RoomClosedSchema, value)).toBe(false);
  });
});

describe('claim-room and resume-room', () => {
  const PROOF = 'B'.repeat(43);
  it('claim: a 43-character base64url proof, an optional sid; unknown keys dropped', () => {
    expect(v.parse(ClaimRoomRequestSchema, { proof: PROOF, x: 1 })).toEqual({ proof: PROOF });
    expect(v.parse(ClaimRoomRequestSchema, { proof: PROOF, sid: SID })).toEqual({ proof: PROOF, sid: SID });
    for (const bad of [undefined, null, {}, { proof: 'B'.repeat(42) }, { proof: 'B'.repeat(44) }, { proof: `${'B'.repeat(42)}=` }, { proof: PROOF, sid: 'x' }, { proof: 43 }]) {
      expect(ok(ClaimRoomRequestSchema, bad)).toBe(false);
    }
    expect(ok(ClaimRoomResultSchema, { ok: true })).toBe(true);
    expect(ok(ClaimRoomResultSchema, { ok: false, error: 'RESUME_REFUSED' })).toBe(true);
    expect(ok(ClaimRoomResultSchema, { ok: false, error: 'NOPE' })).toBe(false);
  });

  it('resume: sid, role rep|customer and proof are all required', () => {
    expect(v.parse(ResumeRoomRequestSchema, { sid: SID, role: 'customer', proof: PROOF, x: 1 })).toEqual({ sid: SID, role: 'customer', proof: PROOF });
    for (const bad of [{ role: 'rep', proof: PROOF }, { sid: SID, proof: PROOF }, { sid: SID, role: 'admin', proof: PROOF }, { sid: SID, role: 'rep' }, { sid: SID, role: 'Rep', proof: PROOF }]) {
      expect(ok(ResumeRoomRequestSchema, bad)).toBe(false);
    }
  });

  it('resume answer: peerPresent and iceServers required, filePolicy optional', () => {
    expect(ok(ResumeRoomResultSchema, { ok: true, peerPresent: false, iceServers: ICE })).toBe(true);
    expect(v.parse(ResumeRoomResultSchema, { ok: true, peerPresent: true, iceServers: [], extra: 1 })).toEqual({ ok: true, peerPresent: true, iceServers: [] });
    expect(ok(ResumeRoomResultSchema, { ok: true, iceServers: [] })).toBe(false);
    expect(ok(ResumeRoomResultSchema, { ok: true, peerPresent: 'yes', iceServers: [] })).toBe(false);
    expect(ok(ResumeRoomResultSchema, { ok: true, peerPresent: true, iceServers: [], filePolicy: { maxBytes: -1 } })).toBe(false);
    expect(ok(ResumeRoomResultSchema, { ok: false, error: 'RESUME_REFUSED' })).toBe(true);
  });
});

describe('RoomRefSchema and ServerErrorSchema', () => {
  it('treats a missing room ref as empty and validates a given sid', () => {
    expect(v.parse(RoomRefSchema, undefined)).toEqual({});
    expect(v.parse(RoomRefSchema, {})).toEqual({});
    expect(v.parse(RoomRefSchema, { sid: SID, x: 1 })).toEqual({ sid: SID });
    expect(ok(RoomRefSchema, { sid: 'nope' })).toBe(false);
    expect(ok(RoomRefSchema, 'sid')).toBe(false);
  });

  it('accepts known error codes only', () => {
    expect(v.parse(ServerErrorSchema, { code: 'RATE_LIMITED' })).toEqual({ code: 'RATE_LIMITED' });
    expect(ok(ServerErrorSchema, { code: 'rate_limited' })).toBe(false);
    expect(ok(ServerErrorSchema, {})).toBe(false);
  });
});

describe('fuzzing (fast-check)', () => {
  const schemas = {
    JoinRoomRequestSchema,
    RelaySchema,
    CreateRoomResultSchema,
    JoinRoomResultSchema,
    RoomClosedSchema,
    RoomRefSchema,
    ServerErrorSchema,
  } as const;

  const json = fc.jsonValue({ maxDepth: 4 });
  const field = fc.oneof(
    json,
    fc.constant(SID),
    fc.constantFrom(...ERROR_CODES),
    fc.stringMatching(/^[0-9]{0,8}$/),
    fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,50}$/),
    fc.constant(ICE),
  );
  const shaped = fc.record(
    {
      ok: fc.oneof(fc.boolean(), json),
      nameplate: field,
      sid: field,
      data: field,
      reason: field,
      error: field,
      code: field,
      expiresAt: fc.oneof(fc.double(), json),
      iceServers: fc.oneof(fc.constant(ICE), fc.array(fc.record({ urls: field }, { requiredKeys: [] }), { maxLength: 3 }), json),
    },
    { requiredKeys: [] },
  );

  it.each(Object.entries(schemas))('%s never throws from safeParse, and its output parses again', (_name, schema) => {
    fc.assert(
      fc.property(fc.oneof(json, shaped, fc.anything()), (value) => {
        const result = v.safeParse(schema as v.GenericSchema, value);
        if (result.success) {
          const again = v.safeParse(schema as v.GenericSchema, structuredClone(result.output));
          expect(again.success).toBe(true);
          expect(again.output).toEqual(result.output);
        } else {
          expect(result.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('RelaySchema accepts exactly the non-empty base64url strings up to MAX_RELAY_CHARS', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/)), (data) => {
        const expected = data.length >= 1 && data.length <= MAX_RELAY_CHARS && /^[A-Za-z0-9_-]+$/.test(data);
        expect(ok(RelaySchema, { data })).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('JoinRoomRequestSchema accepts exactly 3–6 ASCII digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 10 }), fc.stringMatching(/^[0-9]{0,9}$/)), (nameplate) => {
        expect(ok(JoinRoomRequestSchema, { nameplate })).toBe(/^[0-9]{3,6}$/.test(nameplate));
      }),
      { numRuns: 1000 },
    );
  });
});
