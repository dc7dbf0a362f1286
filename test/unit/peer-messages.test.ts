import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ParleyError } from '../../protocol/errors.ts';
import {
  MAX_CHAT_CHARS,
  MAX_NAME_CHARS,
  MAX_REQUEST_CHARS,
  MAX_TIMESTAMP,
  PeerType,
  isPushableUrl,
  newMessageId,
  parsePeerMessage,
  parsePeerSignal,
} from '../../protocol/peer.ts';
import { codeOf } from './helpers.ts';

const MAC = 'A'.repeat(42) + 'E'; // 43 base64url characters
const valid = {
  hello: {
    type: 'hello',
    version: 3,
    role: 'customer',
    name: 'Ada',
    capabilities: ['chat'],
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    locale: 'fr',
    request: 'My printer says "offline" <since> the update 🖨️\nCan you help?',
  },
  helloMinimal: { type: 'hello', version: 3, role: 'rep', name: '', capabilities: [] },
  chat: { type: 'chat', id: 'm_3f9a0c1d', text: 'Hello 👋', sentAt: 1767225600000 },
  ack: { type: 'ack', id: 'm_3f9a0c1d' },
  typingOn: { type: 'typing', active: true },
  typingOff: { type: 'typing', active: false },
  fpProof: { type: 'fp-proof', local: 'sha-256 AB:CD', remote: 'sha-256 EF:01', mac: MAC },
  byeEnded: { type: 'bye', reason: 'ended' },
  byeLeft: { type: 'bye', reason: 'left' },
  urlPush: { type: 'url-push', id: 'u_3f9a0c1dQx_', url: 'https://example.com/help' },
  rtcSignal: { type: 'rtc-signal', signal: { type: 'renegotiate', renegotiate: true } },
  rtcSignalOffer: { type: 'rtc-signal', signal: { type: 'offer', sdp: 'v=0' } },
  screenRequest: { type: 'screen-request' },
  screenStarted: { type: 'screen-state', state: 'started' },
  screenStopped: { type: 'screen-state', state: 'stopped' },
  screenDeclined: { type: 'screen-state', state: 'declined' },
  nudge: { type: 'nudge' },
  ping: { type: 'ping' },
} as const;

const malformed = (value: unknown) => expect(codeOf(() => parsePeerMessage(value))).toBe('MALFORMED');

describe('parsePeerMessage: valid messages', () => {
  it.each(Object.entries(valid))('accepts %s', (_name, message) => {
    expect(parsePeerMessage(structuredClone(message))).toEqual(message);
  });

  it('covers every PeerType', () => {
    const seen = new Set(Object.values(valid).map((m) => m.type));
    expect([...seen].sort()).toEqual(Object.values(PeerType).sort());
  });

  it('survives a JSON round trip (what the data channel carries)', () => {
    for (const message of Object.values(valid)) {
      expect(parsePeerMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
    }
  });

  it('ignores and drops unknown keys', () => {
    const out = parsePeerMessage({ ...valid.chat, bbcode: true, future: { x: 1 }, __extra: null });
    expect(out).toEqual(valid.chat);
    expect(out).not.toHaveProperty('future');
    const hello = parsePeerMessage({ ...valid.hello, avatar: 'data:…' });
    expect(hello).toEqual(valid.hello);
  });

  it('does not let a JSON "__proto__" key reach the output', () => {
    const parsed = parsePeerMessage(JSON.parse('{"type":"ack","id":"m_3f9a0c1d","__proto__":{"polluted":true}}'));
    expect(parsed).toEqual(valid.ack);
    expect((parsed as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts chat text of exactly MAX_CHAT_CHARS and keeps it intact', () => {
    const text = 'é'.repeat(MAX_CHAT_CHARS);
    expect(parsePeerMessage({ ...valid.chat, text })).toMatchObject({ text });
  });

  it('keeps emoji, newlines and markup in chat text as is', () => {
    const text = '👩🏽‍💻 ok\n<b>bold</b> [b]x[/b] # not a header';
    expect(parsePeerMessage({ ...valid.chat, text })).toMatchObject({ text });
  });

  it('accepts sentAt 0 and ids of 8 and 64 characters', () => {
    expect(parsePeerMessage({ ...valid.chat, sentAt: 0 })).toMatchObject({ sentAt: 0 });
    expect(parsePeerMessage({ ...valid.chat, sentAt: MAX_TIMESTAMP })).toMatchObject({ sentAt: MAX_TIMESTAMP });
    expect(new Date(MAX_TIMESTAMP).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
    expect(parsePeerMessage({ ...valid.chat, id: 'abcdefgh' })).toMatchObject({ id: 'abcdefgh' });
    expect(parsePeerMessage({ ...valid.ack, id: 'a'.repeat(64) })).toMatchObject({ id: 'a'.repeat(64) });
  });

  it('accepts a request text of exactly MAX_REQUEST_CHARS, an empty one, or none, kept as is', () => {
    expect(MAX_REQUEST_CHARS).toBe(500);
    const request = '👋'.repeat(MAX_REQUEST_CHARS / 2); // 2 code units each
    expect(parsePeerMessage({ ...valid.hello, request })).toMatchObject({ request });
    expect(parsePeerMessage({ ...valid.hello, request: '' })).toMatchObject({ request: '' });
    const { request: _omitted, ...withoutRequest } = valid.hello;
    expect(parsePeerMessage(withoutRequest)).not.toHaveProperty('request');
  });

  it('accepts a display name of MAX_NAME_CHARS', () => {
    const name = 'n'.repeat(MAX_NAME_CHARS);
    expect(parsePeerMessage({ ...valid.hello, name })).toMatchObject({ name });
  });
});

describe('parsePeerMessage: invalid messages', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'hello'],
    ['a JSON string', JSON.stringify(valid.chat)],
    ['a number', 42],
    ['an array', [valid.chat]],
    ['an empty object', {}],
    ['no type', { id: 'm_3f9a0c1d', text: 'hi', sentAt: 1 }],
    ['type null', { ...valid.ack, type: null }],
    ['type as number', { ...valid.ack, type: 1 }],
    ['unknown type', { type: 'file-offer', id: 'm_3f9a0c1d', name: 'x.txt', size: 3 }],
    ['type with different case', { ...valid.ack, type: 'ACK' }],
    ['type with whitespace', { ...valid.ack, type: 'ack ' }],
    ['type "__proto__"', { type: '__proto__' }],
    ['type "constructor"', { type: 'constructor' }],
  ])('rejects %s as MALFORMED', (_name, value) => malformed(value));

  describe('hello', () => {
    it.each([
      ['missing version', { ...valid.hello, version: undefined }],
      ['version as string', { ...valid.hello, version: '1' }],
      ['version NaN', { ...valid.hello, version: Number.NaN }],
      ['unknown role', { ...valid.hello, role: 'admin' }],
      ['missing role', { ...valid.hello, role: undefined }],
      ['name not a string', { ...valid.hello, name: 7 }],
      ['name too long', { ...valid.hello, name: 'n'.repeat(MAX_NAME_CHARS + 1) }],
      ['capabilities not an array', { ...valid.hello, capabilities: 'chat' }],
      ['a capability not a string', { ...valid.hello, capabilities: [1] }],
      ['a capability too long', { ...valid.hello, capabilities: ['c'.repeat(33)] }],
      ['too many capabilities', { ...valid.hello, capabilities: Array.from({ length: 33 }, (_, i) => `c${i}`) }],
      ['userAgent too long', { ...valid.hello, userAgent: 'u'.repeat(513) }],
      ['userAgent not a string', { ...valid.hello, userAgent: {} }],
      ['locale too long', { ...valid.hello, locale: 'l'.repeat(17) }],
      ['request too long', { ...valid.hello, request: 'r'.repeat(MAX_REQUEST_CHARS + 1) }],
      ['request far too long', { ...valid.hello, request: 'r'.repeat(60_000) }],
      ['request as number', { ...valid.hello, request: 42 }],
      ['request as array', { ...valid.hello, request: ['help'] }],
      ['request as object', { ...valid.hello, request: { toString: 'help' } }],
      ['request as null', { ...valid.hello, request: null }],
      ['request as boolean', { ...valid.hello, request: true }],
    ])('rejects %s', (_name, value) => malformed(value));
  });

  describe('chat', () => {
    it.each([
      ['missing id', { ...valid.chat, id: undefined }],
      ['id too short', { ...valid.chat, id: 'abc' }],
      ['id too long', { ...valid.chat, id: 'a'.repeat(65) }],
      ['id with a space', { ...valid.chat, id: 'm 3f9a0c1d' }],
      ['id with a slash', { ...valid.chat, id: 'm/3f9a0c1d' }],
      ['id with HTML', { ...valid.chat, id: '<img src=x>' }],
      ['id with a newline', { ...valid.chat, id: 'm_3f9a0c1d\n' }],
      ['id as number', { ...valid.chat, id: 12345678 }],
      ['empty text', { ...valid.chat, text: '' }],
      ['missing text', { ...valid.chat, text: undefined }],
      ['text as number', { ...valid.chat, text: 5 }],
      ['text as array', { ...valid.chat, text: ['hi'] }],
      ['missing sentAt', { ...valid.chat, sentAt: undefined }],
      ['negative sentAt', { ...valid.chat, sentAt: -1 }],
      ['float sentAt', { ...valid.chat, sentAt: 1767225600000.5 }],
      ['NaN sentAt', { ...valid.chat, sentAt: Number.NaN }],
      ['infinite sentAt', { ...valid.chat, sentAt: Number.POSITIVE_INFINITY }],
      ['sentAt past the Date range', { ...valid.chat, sentAt: MAX_TIMESTAMP + 1 }],
      ['sentAt 1e300', { ...valid.chat, sentAt: 1e300 }],
      ['sentAt as string', { ...valid.chat, sentAt: '1767225600000' }],
      ['sentAt as Date', { ...valid.chat, sentAt: new Date(0) }],
    ])('rejects %s', (_name, value) => malformed(value));

    it('rejects text over MAX_CHAT_CHARS as PAYLOAD_TOO_LARGE', () => {
      expect(codeOf(() => parsePeerMessage({ ...valid.chat, text: 'x'.repeat(MAX_CHAT_CHARS + 1) }))).toBe('PAYLOAD_TOO_LARGE');
      expect(codeOf(() => parsePeerMessage({ ...valid.chat, text: 'x'.repeat(1_000_000) }))).toBe('PAYLOAD_TOO_LARGE');
    });

    it('reports an over-long text as PAYLOAD_TOO_LARGE even when other fields are bad too', () => {
      expect(codeOf(() => parsePeerMessage({ type: 'chat', text: 'x'.repeat(MAX_CHAT_CHARS + 1) }))).toBe('PAYLOAD_TOO_LARGE');
    });

    it('does not call an over-long text in another message type PAYLOAD_TOO_LARGE', () => {
      malformed({ type: 'ack', text: 'x'.repeat(MAX_CHAT_CHARS + 1) });
    });
  });

  describe('ack, typing, fp-proof, bye', () => {
    it.each([
      ['ack without id', { type: 'ack' }],
      ['ack with a bad id', { type: 'ack', id: 'short' }],
      ['typing without active', { type: 'typing' }],
      ['typing with active as string', { type: 'typing', active: 'true' }],
      ['typing with active as 1', { type: 'typing', active: 1 }],
      ['fp-proof without mac', { ...valid.fpProof, mac: undefined }],
      ['fp-proof with a 42-character mac', { ...valid.fpProof, mac: MAC.slice(1) }],
      ['fp-proof with a 44-character mac', { ...valid.fpProof, mac: MAC + 'A' }],
      ['fp-proof with a padded mac', { ...valid.fpProof, mac: MAC.slice(0, 42) + '=' }],
      ['fp-proof with a standard-alphabet mac', { ...valid.fpProof, mac: MAC.slice(0, 42) + '+' }],
      ['fp-proof with an over-long local fingerprint', { ...valid.fpProof, local: 'f'.repeat(257) }],
      ['fp-proof with remote as number', { ...valid.fpProof, remote: 1 }],
      ['bye without reason', { type: 'bye' }],
      ['bye with an unknown reason', { type: 'bye', reason: 'crashed' }],
    ])('rejects %s', (_name, value) => malformed(value));
  });
});

describe('newMessageId', () => {
  it('makes ids that the chat and ack schemas accept, and that differ', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = newMessageId();
      expect(parsePeerMessage({ type: 'ack', id })).toEqual({ type: 'ack', id });
      ids.add(id);
    }
    expect(ids.size).toBe(500);
  });
});

describe('parsePeerSignal', () => {
  const sdp = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:EsAw',
    'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
    'a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:ED:96:86:00:39',
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
  const candidate = {
    candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999',
    sdpMLineIndex: 0,
    sdpMid: '0',
  };

  it.each([
    ['offer', { type: 'offer', sdp }],
    ['answer', { type: 'answer', sdp }],
    ['candidate', { type: 'candidate', candidate }],
    ['candidate with usernameFragment', { type: 'candidate', candidate: { ...candidate, usernameFragment: 'EsAw' } }],
    ['candidate with null mid and index', { type: 'candidate', candidate: { candidate: candidate.candidate, sdpMLineIndex: null, sdpMid: null } }],
    ['end-of-candidates (empty candidate)', { type: 'candidate', candidate: { candidate: '', sdpMLineIndex: 0, sdpMid: '0' } }],
    ['renegotiate', { type: 'renegotiate', renegotiate: true }],
  ])('accepts %s', (_name, signal) => {
    expect(parsePeerSignal(JSON.parse(JSON.stringify(signal)))).toEqual(signal);
  });

  it('accepts a media transceiver request (screen sharing from the non-initiator)', () => {
    expect(parsePeerSignal({ type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: { x: 1 } } })).toEqual({
      type: 'transceiverRequest',
      transceiverRequest: { kind: 'video' },
    });
  });

  it('drops unknown keys', () => {
    expect(parsePeerSignal({ type: 'offer', sdp, extra: 1 })).toEqual({ type: 'offer', sdp });
    expect(parsePeerSignal({ type: 'candidate', candidate: { ...candidate, foo: 'bar' } })).toEqual({ type: 'candidate', candidate });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'offer'],
    ['an empty object', {}],
    ['unknown type', { type: 'pranswer', sdp }],
    ['rollback', { type: 'rollback', sdp: '' }],
    ['transceiverRequest for a data kind', { type: 'transceiverRequest', transceiverRequest: { kind: 'application' } }],
    ['transceiverRequest without kind', { type: 'transceiverRequest', transceiverRequest: {} }],
    ['offer without sdp', { type: 'offer' }],
    ['offer with sdp as object', { type: 'offer', sdp: { sdp } }],
    ['offer with an over-long sdp', { type: 'offer', sdp: 'a'.repeat(12_001) }],
    ['candidate without candidate', { type: 'candidate' }],
    ['candidate as string', { type: 'candidate', candidate: candidate.candidate }],
    ['candidate with an over-long candidate line', { type: 'candidate', candidate: { ...candidate, candidate: 'c'.repeat(1025) } }],
    ['candidate with index as string', { type: 'candidate', candidate: { ...candidate, sdpMLineIndex: '0' } }],
    ['candidate with mid as number', { type: 'candidate', candidate: { ...candidate, sdpMid: 0 } }],
    ['candidate with an over-long mid', { type: 'candidate', candidate: { ...candidate, sdpMid: 'm'.repeat(65) } }],
    ['renegotiate false', { type: 'renegotiate', renegotiate: false }],
    ['renegotiate without flag', { type: 'renegotiate' }],
    ['a chat message', valid.chat],
  ])('rejects %s as MALFORMED', (_name, value) => {
    expect(codeOf(() => parsePeerSignal(value))).toBe('MALFORMED');
  });
});

describe('fuzzing', () => {
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  /** Valid messages with one field replaced by arbitrary JSON, or extra keys added. */
  const mutated = fc
    .tuple(fc.constantFrom(...Object.values(valid)), fc.string({ maxLength: 12 }), anyJson)
    .chain(([message, extraKey, value]) =>
      fc.constantFrom<Record<string, unknown>>(
        ...Object.keys(message).map((k) => ({ ...message, [k]: value })),
        { ...message, [extraKey]: value },
      ),
    );

  it('parsePeerMessage never throws anything but ParleyError (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, mutated, fc.anything()), (value) => {
        try {
          const out = parsePeerMessage(value);
          expect(Object.values(PeerType)).toContain(out.type);
          // Whatever passes must pass again (the output is itself a valid message).
          expect(parsePeerMessage(JSON.parse(JSON.stringify(out)))).toEqual(out);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['MALFORMED', 'PAYLOAD_TOO_LARGE']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parsePeerSignal never throws anything but ParleyError (fast-check)', () => {
    const signalish = fc.record(
      {
        type: fc.constantFrom('offer', 'answer', 'candidate', 'renegotiate', 'other'),
        sdp: anyJson,
        candidate: fc.oneof(anyJson, fc.record({ candidate: anyJson, sdpMLineIndex: anyJson, sdpMid: anyJson }, { requiredKeys: [] })),
        renegotiate: anyJson,
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(anyJson, signalish, fc.anything()), (value) => {
        try {
          const out = parsePeerSignal(value);
          expect(['offer', 'answer', 'candidate', 'renegotiate']).toContain(out.type);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('MALFORMED');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('url-push', () => {
  const ok = { type: 'url-push', id: 'u_3f9a0c1dQx_', url: 'https://example.com/help?x=1' };
  it('accepts absolute http(s) addresses', () => {
    expect(parsePeerMessage(ok)).toEqual(ok);
    expect(parsePeerMessage({ ...ok, url: 'http://intranet.example:8080/' }).type).toBe('url-push');
  });
  it.each(['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'ftp://example.com', '//example.com', 'https://', 'http:// spaced', '', `https://example.com/${'a'.repeat(2100)}`])(
    'rejects %j',
    (url) => {
      expect(() => parsePeerMessage({ ...ok, url })).toThrow(ParleyError);
      expect(isPushableUrl(url)).toBe(false);
    },
  );
});

describe('screen sharing and renegotiation messages', () => {
  it.each([
    ['screen-state with an unknown state', { type: 'screen-state', state: 'paused' }],
    ['screen-state without state', { type: 'screen-state' }],
    ['rtc-signal without signal', { type: 'rtc-signal' }],
    ['rtc-signal with a bad signal', { type: 'rtc-signal', signal: { type: 'rollback' } }],
    ['rtc-signal with an over-long sdp', { type: 'rtc-signal', signal: { type: 'offer', sdp: 'a'.repeat(12_001) } }],
  ])('rejects %s as MALFORMED', (_name, value) => malformed(value));
});
