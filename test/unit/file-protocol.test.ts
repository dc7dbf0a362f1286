import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FILE_CHUNK_BYTES,
  MAX_CHUNK_INDEX,
  MAX_FILE_BYTES,
  MAX_FILE_FRAME_BYTES,
  MAX_FILE_NAME_CHARS,
  MAX_PREVIEW_CHARS,
  checkFileChunk,
  chunkCount,
  chunkLength,
  decodeFileChunk,
  encodeFileChunk,
  isFileMessage,
  parseFileMessage,
  readFileFrame,
} from '../../protocol/file.ts';
import { MAX_BULK_PLAINTEXT, MAX_PEER_PLAINTEXT } from '../../protocol/limits.ts';
import { parsePeerMessage } from '../../protocol/peer.ts';
import { CreateRoomResultSchema, JoinRoomResultSchema } from '../../protocol/signaling.ts';
import { DEFAULT_FILE_POLICY } from '../../protocol/file-policy.ts';
import * as v from 'valibot';
import { codeOf } from './helpers.ts';

const FID = 'f_Zx81kLq0aB2c';
const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const meta = { fid: FID, name: 'invoice.pdf', size: 183_204, mime: 'application/pdf', sha256: SHA };
const valid = {
  offer: { type: 'file-offer', id: 'b_4f0Qm2xY9kLp', files: [meta] },
  offerWithText: {
    type: 'file-offer',
    id: 'b_4f0Qm2xY9kLp',
    text: 'Here is the log',
    files: [meta, { ...meta, fid: 'f_second_file', name: 'photo.png', mime: 'image/png', preview: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' }],
  },
  offerEmptyFile: { type: 'file-offer', id: 'b_4f0Qm2xY9kLp', files: [{ ...meta, size: 0, mime: '' }] },
  accept: { type: 'file-accept', fid: FID },
  decline: { type: 'file-decline', fid: FID, reason: 'size' },
  cancel: { type: 'file-cancel', fid: FID, reason: 'cancelled' },
  cancelError: { type: 'file-cancel', fid: FID, reason: 'error' },
  ack: { type: 'file-ack', fid: FID, next: 16 },
  resume: { type: 'file-resume', fid: FID, next: 0 },
  doneOk: { type: 'file-done', fid: FID, ok: true },
  doneBad: { type: 'file-done', fid: FID, ok: false },
} as const;

const malformed = (value: unknown) => expect(codeOf(() => parseFileMessage(value))).toBe('MALFORMED');
const withFile = (patch: Record<string, unknown>) => ({ ...valid.offer, files: [{ ...meta, ...patch }] });

describe('file messages: valid', () => {
  it.each(Object.entries(valid))('accepts %s, alone and as a peer message', (_name, message) => {
    expect(parseFileMessage(structuredClone(message))).toEqual(message);
    expect(parsePeerMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
    expect(isFileMessage(message)).toBe(true);
  });

  it('drops unknown keys (forward compatibility)', () => {
    expect(parseFileMessage({ ...valid.accept, later: 1 })).toEqual(valid.accept);
    expect(parseFileMessage({ ...valid.offer, files: [{ ...meta, thumbnailHash: 'x' }] })).toEqual(valid.offer);
  });

  it('accepts the limits exactly', () => {
    parseFileMessage(withFile({ size: MAX_FILE_BYTES }));
    parseFileMessage(withFile({ name: 'n'.repeat(MAX_FILE_NAME_CHARS) }));
    parseFileMessage({ ...valid.ack, next: MAX_CHUNK_INDEX });
    parseFileMessage({ ...valid.offer, files: [1, 2, 3, 4, 5].map((i) => ({ ...meta, fid: `f_file_0000${i}` })) });
    const preview = `data:image/png;base64,${'A'.repeat(MAX_PREVIEW_CHARS - 'data:image/png;base64,'.length)}`;
    parseFileMessage(withFile({ preview }));
  });

  it('a full offer (5 files, long names, previews trimmed to fit, longest text) fits in one peer message', () => {
    // What prepare.ts guarantees by dropping previews: checked here for the worst case without them.
    const files = [1, 2, 3, 4, 5].map((i) => ({ ...meta, fid: `f_file_${String(i).padStart(5, '0')}`, name: '𝔣'.repeat(125) + '.pdf' }));
    const offer = { ...valid.offer, files, text: '\u0001'.repeat(10_000) };
    expect(new TextEncoder().encode(JSON.stringify(offer)).length).toBeLessThan(MAX_PEER_PLAINTEXT);
  });
});

describe('file messages: malformed', () => {
  it.each([
    ['no type', { fid: FID }],
    ['unknown file- type', { type: 'file-chunk', fid: FID }],
    ['bad fid (too short)', { ...valid.accept, fid: 'short' }],
    ['bad fid (characters)', { ...valid.accept, fid: 'f_bad/../id' }],
    ['fid not a string', { ...valid.accept, fid: 12345678 }],
    ['unknown decline reason', { ...valid.decline, reason: 'lazy' }],
    ['unknown cancel reason', { ...valid.cancel, reason: 'declined' }],
    ['negative ack', { ...valid.ack, next: -1 }],
    ['fractional ack', { ...valid.ack, next: 1.5 }],
    ['ack past u32', { ...valid.ack, next: MAX_CHUNK_INDEX + 1 }],
    ['resume as a string', { ...valid.resume, next: '3' }],
    ['done without ok', { type: 'file-done', fid: FID }],
    ['offer without files', { ...valid.offer, files: [] }],
    ['offer with six files', { ...valid.offer, files: [1, 2, 3, 4, 5, 6].map((i) => ({ ...meta, fid: `f_file_0000${i}` })) }],
    ['offer with a duplicate fid', { ...valid.offer, files: [meta, meta] }],
    ['offer with an empty text', { ...valid.offer, text: '' }],
    ['offer with a text over the chat limit', { ...valid.offer, text: 'x'.repeat(10_001) }],
    ['offer with a bad id', { ...valid.offer, id: 'x' }],
    ['negative size', withFile({ size: -1 })],
    ['fractional size', withFile({ size: 1.5 })],
    ['size over the hard cap', withFile({ size: MAX_FILE_BYTES + 1 })],
    ['size as a string', withFile({ size: '100' })],
    ['NaN size', withFile({ size: Number.NaN })],
    ['empty name', withFile({ name: '' })],
    ['name too long', withFile({ name: 'n'.repeat(MAX_FILE_NAME_CHARS + 1) })],
    ['name with a slash', withFile({ name: '../../etc/passwd' })],
    ['name with a backslash', withFile({ name: '..\\boot.ini' })],
    ['name with a control character', withFile({ name: 'a\u0000b.pdf' })],
    ['name with a newline', withFile({ name: 'a\nb.pdf' })],
    ['name with a bidi override', withFile({ name: 'invoice\u202Efdp.exe' })],
    ['name ..', withFile({ name: '..' })],
    ['upper-case hash', withFile({ sha256: SHA.toUpperCase() })],
    ['short hash', withFile({ sha256: SHA.slice(1) })],
    ['non-hex hash', withFile({ sha256: 'g'.repeat(64) })],
    ['MIME with spaces', withFile({ mime: 'text/html; charset=utf-8' })],
    ['MIME with upper case', withFile({ mime: 'Text/Plain' })],
    ['MIME without subtype', withFile({ mime: 'text' })],
    ['SVG preview', withFile({ preview: 'data:image/svg+xml;base64,PHN2Zz4=' })],
    ['HTML preview', withFile({ preview: 'data:text/html;base64,PGI+' })],
    ['javascript: preview', withFile({ preview: 'javascript:alert(1)' })],
    ['preview with junk after the data', withFile({ preview: 'data:image/png;base64,AAAA"><script>' })],
    ['preview too long', withFile({ preview: `data:image/png;base64,${'A'.repeat(MAX_PREVIEW_CHARS)}` })],
  ])('refuses %s', (_name, value) => malformed(value));

  it('never throws anything but a ParleyError on random input (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          parseFileMessage(value);
        } catch (err) {
          expect(codeOf(() => { throw err; })).toBe('MALFORMED');
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.record({ type: fc.constantFrom('file-offer', 'file-accept', 'file-ack', 'file-resume'), fid: fc.string(), next: fc.double(), files: fc.anything() }), (value) => {
        try {
          parseFileMessage(value);
        } catch (err) {
          expect(codeOf(() => { throw err; })).toBe('MALFORMED');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('chunk frame codec', () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);

  it('lays out kind, fid length, fid, big-endian index, data', () => {
    const frame = encodeFileChunk(FID, 0x01020304, data);
    expect(frame[0]).toBe(1);
    expect(frame[1]).toBe(FID.length);
    expect(new TextDecoder().decode(frame.subarray(2, 2 + FID.length))).toBe(FID);
    expect([...frame.subarray(2 + FID.length, 6 + FID.length)]).toEqual([1, 2, 3, 4]);
    expect(frame.subarray(6 + FID.length)).toEqual(data);
  });

  it('round-trips any fid, index and data up to the chunk size (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
        fc.integer({ min: 0, max: MAX_CHUNK_INDEX }),
        fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        (fid, index, bytes) => {
          const chunk = readFileFrame(encodeFileChunk(fid, index, bytes));
          expect(chunk.fid).toBe(fid);
          expect(chunk.index).toBe(index);
          expect(chunk.data).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes into a reused buffer exactly as into a new one, and refuses a buffer too small', () => {
    const buffer = new Uint8Array(MAX_FILE_FRAME_BYTES).fill(0xee);
    const longer = encodeFileChunk(FID, 9, new Uint8Array(500).fill(7), buffer);
    expect(longer.buffer).toBe(buffer.buffer);
    const frame = encodeFileChunk(FID, 0x01020304, data, buffer); // shorter: nothing of the last frame shows
    expect(frame).toEqual(encodeFileChunk(FID, 0x01020304, data));
    expect(readFileFrame(frame)).toMatchObject({ fid: FID, index: 0x01020304, data });
    // A view into a larger buffer: the index lands in the view, not at the buffer's start.
    const offset = new Uint8Array(new ArrayBuffer(MAX_FILE_FRAME_BYTES + 16), 16);
    expect(readFileFrame(encodeFileChunk(FID, 5, data, offset))).toMatchObject({ index: 5, data });
    expect(() => encodeFileChunk(FID, 0, data, new Uint8Array(50))).toThrow(RangeError);
  });

  it('a full chunk with the longest fid fits the bulk channel, sealed under 64 KiB', () => {
    expect(MAX_FILE_FRAME_BYTES).toBe(MAX_BULK_PLAINTEXT);
    const frame = encodeFileChunk('f'.repeat(64), 7, new Uint8Array(FILE_CHUNK_BYTES));
    expect(frame.length).toBeLessThanOrEqual(MAX_BULK_PLAINTEXT);
    expect(frame.length + 24).toBeLessThanOrEqual(64 * 1024);
  });

  it('the encoder refuses a bad fid or index and an oversized chunk', () => {
    expect(codeOf(() => encodeFileChunk('short', 0, data))).toBe('MALFORMED');
    expect(codeOf(() => encodeFileChunk('f_bad/../id', 0, data))).toBe('MALFORMED');
    expect(codeOf(() => encodeFileChunk(FID, -1, data))).toBe('MALFORMED');
    expect(codeOf(() => encodeFileChunk(FID, 1.5, data))).toBe('MALFORMED');
    expect(codeOf(() => encodeFileChunk(FID, MAX_CHUNK_INDEX + 1, data))).toBe('MALFORMED');
    expect(codeOf(() => encodeFileChunk(FID, 0, new Uint8Array(FILE_CHUNK_BYTES + 1)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses truncated frames at every length short of a header and one byte of data', () => {
    const frame = encodeFileChunk(FID, 3, data);
    for (let length = 0; length <= 6 + FID.length; length++) {
      expect(codeOf(() => readFileFrame(frame.subarray(0, length)))).toBe('MALFORMED');
    }
  });

  it('refuses an unknown kind, a bad fid length, fid bytes outside the alphabet, and a non-byte input', () => {
    const frame = encodeFileChunk(FID, 0, data);
    const tamper = (at: number, value: number) => {
      const copy = frame.slice();
      copy[at] = value;
      return copy;
    };
    expect(codeOf(() => readFileFrame(tamper(0, 2)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame(tamper(0, 0)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame(tamper(1, 7)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame(tamper(1, 65)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame(tamper(1, 255)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame(tamper(3, 0x2f)))).toBe('MALFORMED'); // '/'
    expect(codeOf(() => readFileFrame(tamper(3, 0x00)))).toBe('MALFORMED');
    expect(codeOf(() => readFileFrame('frame' as unknown as Uint8Array))).toBe('MALFORMED');
  });

  it('refuses oversized frames and chunks', () => {
    const frame = encodeFileChunk(FID, 0, new Uint8Array(FILE_CHUNK_BYTES));
    const longer = new Uint8Array(frame.length + 1);
    longer.set(frame);
    expect(codeOf(() => readFileFrame(longer))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => readFileFrame(new Uint8Array(MAX_FILE_FRAME_BYTES + 1)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('reads a frame that is a view into a larger buffer', () => {
    const frame = encodeFileChunk(FID, 9, data);
    const buffer = new Uint8Array(frame.length + 10);
    buffer.set(frame, 5);
    expect(readFileFrame(buffer.subarray(5, 5 + frame.length))).toMatchObject({ fid: FID, index: 9 });
  });

  it('never throws anything but a ParleyError on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const code = codeOf(() => readFileFrame(bytes));
        expect(code === undefined || code === 'MALFORMED' || code === 'PAYLOAD_TOO_LARGE').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('chunk order and length (checkFileChunk, decodeFileChunk)', () => {
  const size = 2 * FILE_CHUNK_BYTES + 10;
  const expectation = { next: 1, size };
  const lookup = (fid: string) => (fid === FID ? expectation : undefined);

  it('counts chunks and their lengths', () => {
    expect(chunkCount(0)).toBe(0);
    expect(chunkCount(1)).toBe(1);
    expect(chunkCount(FILE_CHUNK_BYTES)).toBe(1);
    expect(chunkCount(size)).toBe(3);
    expect([0, 1, 2, 3].map((i) => chunkLength(size, i))).toEqual([FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, 10, 0]);
  });

  it('accepts exactly the next chunk at exactly its length', () => {
    expect(decodeFileChunk(encodeFileChunk(FID, 1, new Uint8Array(FILE_CHUNK_BYTES)), lookup).index).toBe(1);
    expect(checkFileChunk({ fid: FID, index: 2, data: new Uint8Array(10) }, { next: 2, size }).index).toBe(2);
  });

  it('refuses a chunk for an unknown transfer', () => {
    expect(codeOf(() => decodeFileChunk(encodeFileChunk('f_someone_else', 1, new Uint8Array(5)), lookup))).toBe('MALFORMED');
  });

  it('refuses a replayed chunk and a chunk out of order', () => {
    expect(codeOf(() => decodeFileChunk(encodeFileChunk(FID, 0, new Uint8Array(FILE_CHUNK_BYTES)), lookup))).toBe('MALFORMED');
    expect(codeOf(() => decodeFileChunk(encodeFileChunk(FID, 2, new Uint8Array(10)), lookup))).toBe('MALFORMED');
  });

  it('refuses a chunk past the end, a short chunk and an over-long last chunk', () => {
    expect(codeOf(() => checkFileChunk({ fid: FID, index: 3, data: new Uint8Array(1) }, { next: 3, size }))).toBe('MALFORMED');
    expect(codeOf(() => checkFileChunk({ fid: FID, index: 1, data: new Uint8Array(FILE_CHUNK_BYTES - 1) }, expectation))).toBe('MALFORMED');
    expect(codeOf(() => checkFileChunk({ fid: FID, index: 2, data: new Uint8Array(11) }, { next: 2, size }))).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('filePolicy in the room answers', () => {
  const room = { ok: true, nameplate: '482', sid: 'A'.repeat(43), expiresAt: 1, iceServers: [] };

  it('is optional, and kept when valid', () => {
    expect(v.parse(CreateRoomResultSchema, room)).not.toHaveProperty('filePolicy');
    expect(v.parse(CreateRoomResultSchema, { ...room, filePolicy: DEFAULT_FILE_POLICY })).toMatchObject({ filePolicy: DEFAULT_FILE_POLICY });
    expect(v.parse(JoinRoomResultSchema, { ok: true, sid: room.sid, iceServers: [], filePolicy: DEFAULT_FILE_POLICY })).toMatchObject({ filePolicy: DEFAULT_FILE_POLICY });
  });

  it.each([
    ['a count over the hard cap', { ...DEFAULT_FILE_POLICY, maxCount: 6 }],
    ['a zero count', { ...DEFAULT_FILE_POLICY, maxCount: 0 }],
    ['a negative size', { ...DEFAULT_FILE_POLICY, maxBytes: -1 }],
    ['a size over the hard cap', { ...DEFAULT_FILE_POLICY, maxBytes: MAX_FILE_BYTES + 1 }],
    ['a bad type pattern', { ...DEFAULT_FILE_POLICY, types: ['text/*', 'PDF'] }],
    ['a missing flag', { maxBytes: 1, maxCount: 1, types: [] }],
    ['not an object', 'all'],
  ])('makes the answer invalid with %s', (_name, filePolicy) => {
    expect(v.is(CreateRoomResultSchema, { ...room, filePolicy })).toBe(false);
  });
});
