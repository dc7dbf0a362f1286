import { describe, expect, it } from 'vitest';
import { checkAttachments, namePasted, toAttachment } from '../../client/src/lib/files/attachments.ts';
import { contentHashOf } from '../../client/src/lib/files/hash-file.ts';
import { nodeContentHash } from '../content-hash-node.ts';
import { blobType, isPreviewable, offeredMime } from '../../client/src/lib/files/mime.ts';
import { sanitizeFileName } from '../../client/src/lib/files/names.ts';
import { fitOffer, policyViolations, prepareOffer } from '../../client/src/lib/files/prepare.ts';
import { RateMeter } from '../../client/src/lib/files/rate.ts';
import { ChunkReader } from '../../client/src/lib/files/reader.ts';
import { FILE_CHUNK_BYTES, MAX_FILE_NAME_CHARS, parseFileMessage, type FileOffer } from '../../protocol/file.ts';
import { DEFAULT_FILE_POLICY, checkBatch, checkFile, extensionOf, typeAllowed } from '../../protocol/file-policy.ts';
import { MAX_PEER_PLAINTEXT } from '../../protocol/limits.ts';
import { file, randomBytes } from './file-fakes.ts';

describe('file policy', () => {
  it('matches MIME types, wildcards and extensions', () => {
    const types = ['text/*', 'application/pdf', '.log'];
    expect(typeAllowed(types, 'text/plain', 'a.txt')).toBe(true);
    expect(typeAllowed(types, 'text/html', 'a.html')).toBe(true);
    expect(typeAllowed(types, 'application/pdf', 'a.pdf')).toBe(true);
    expect(typeAllowed(types, '', 'server.LOG')).toBe(true);
    expect(typeAllowed(types, 'application/pdfx', 'a.pdfx')).toBe(false);
    expect(typeAllowed(types, 'textual/plain', 'a')).toBe(false);
    expect(typeAllowed(types, 'video/quicktime', 'a.mov')).toBe(false);
    expect(typeAllowed(types, '', 'no-extension')).toBe(false);
    expect(typeAllowed(['*'], '', 'anything')).toBe(true);
    expect(typeAllowed(['*/*'], 'video/mp4', 'a.mp4')).toBe(true);
    expect(typeAllowed([], 'text/plain', 'a.txt')).toBe(false);
  });

  it('reads extensions the way a file manager does', () => {
    expect(extensionOf('archive.tar.gz')).toBe('.gz');
    expect(extensionOf('.bashrc')).toBe('');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('trailing.')).toBe('');
  });

  it('checks type before size, and the count last', () => {
    const policy = { ...DEFAULT_FILE_POLICY, maxBytes: 100, maxCount: 2 };
    expect(checkFile(policy, { name: 'a.mov', size: 1000, mime: 'video/quicktime' })).toEqual({ rule: 'type', mime: 'video/quicktime' });
    expect(checkFile(policy, { name: 'a.pdf', size: 101, mime: 'application/pdf' })).toEqual({ rule: 'size', size: 101, max: 100 });
    expect(checkFile(policy, { name: 'a.pdf', size: 100, mime: 'application/pdf' })).toBeNull();
    const ok = { name: 'a.pdf', size: 1, mime: 'application/pdf' };
    expect(checkBatch(policy, [ok, { ...ok, size: 500 }, ok, { ...ok, mime: 'video/mp4' }])).toEqual([
      null,
      { rule: 'size', size: 500, max: 100 },
      { rule: 'count', max: 2 },
      { rule: 'type', mime: 'video/mp4' },
    ]);
  });

  it('the default is text, PDF and images, 5 files of 20 MB, asking first', () => {
    expect(DEFAULT_FILE_POLICY).toEqual({ maxBytes: 20 * 1024 * 1024, maxCount: 5, types: ['text/*', 'application/pdf', 'image/*'], autoAcceptFromRep: false });
    expect(Object.isFrozen(DEFAULT_FILE_POLICY)).toBe(true);
  });
});

describe('file names', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['C:\\Users\\ada\\Desktop\\report.pdf', 'report.pdf'],
    ['/etc/passwd', 'passwd'],
    ['../../secret.txt', 'secret.txt'],
    ['..', 'file'],
    ['.hidden', 'hidden'],
    ['...', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['a\u0000b\u001fc\u007f.txt', 'abc.txt'],
    ['line\nbreak.txt', 'linebreak.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['cafe\u0301.txt', 'café.txt'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('caps the length and keeps the extension, never cutting a character in two', () => {
    const long = `${'é'.repeat(300)}.pdf`;
    const safe = sanitizeFileName(long);
    expect(safe.length).toBeLessThanOrEqual(MAX_FILE_NAME_CHARS);
    expect(safe.endsWith('.pdf')).toBe(true);
    const emoji = sanitizeFileName(`${'😀'.repeat(200)}.png`);
    expect(emoji.length).toBeLessThanOrEqual(MAX_FILE_NAME_CHARS);
    expect(emoji.endsWith('.png')).toBe(true);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
    expect(sanitizeFileName(`${'a'.repeat(300)}.${'x'.repeat(40)}`).length).toBeLessThanOrEqual(MAX_FILE_NAME_CHARS);
  });

  it('whatever goes in, what comes out is a valid offered name', () => {
    for (const name of ['a/b', '\u0000', '..\\..', 'x'.repeat(1000), '\u202e', 'ok.txt']) {
      const offer = { type: 'file-offer', id: 'b_offer_0001', files: [{ fid: 'f_file_00001', name: sanitizeFileName(name), size: 1, mime: '', sha256: 'a'.repeat(64) }] };
      expect(() => parseFileMessage(offer)).not.toThrow();
    }
  });
});

describe('MIME types', () => {
  it('uses the browser’s type, or a guess from the extension when it has none', () => {
    expect(offeredMime('Application/PDF', 'a.pdf')).toBe('application/pdf');
    expect(offeredMime('text/plain; charset=utf-8', 'a.txt')).toBe('text/plain');
    expect(offeredMime('', 'server.log')).toBe('text/plain');
    expect(offeredMime('', 'notes.md')).toBe('text/markdown');
    expect(offeredMime('', 'unknown.xyz')).toBe('');
    expect(offeredMime('not a type', 'a.bin')).toBe('');
  });

  it('shows raster images only, and saves everything else as opaque bytes', () => {
    expect(isPreviewable('image/png')).toBe(true);
    expect(isPreviewable('image/svg+xml')).toBe(false);
    expect(blobType('image/jpeg')).toBe('image/jpeg');
    expect(blobType('image/svg+xml')).toBe('application/octet-stream');
    expect(blobType('text/html')).toBe('application/octet-stream');
    expect(blobType('application/pdf')).toBe('application/octet-stream');
  });
});

describe('reading and hashing files', () => {
  it('reads chunk by chunk, in any order, with the last chunk short', async () => {
    const data = randomBytes(3 * FILE_CHUNK_BYTES + 5);
    const reader = new ChunkReader(new Blob([data as BlobPart]));
    expect(reader.chunks).toBe(4);
    expect(await reader.read(3)).toEqual(data.subarray(3 * FILE_CHUNK_BYTES));
    expect(await reader.read(0)).toEqual(data.subarray(0, FILE_CHUNK_BYTES));
    expect((await reader.read(1)).length).toBe(FILE_CHUNK_BYTES);
  });

  it('reads a block of chunks per slice, one block ahead, and never the whole file', async () => {
    const data = randomBytes(10 * 1000 + 7);
    const slices: [number, number][] = [];
    const source = new Blob([data as BlobPart]);
    const spy = { size: source.size, slice: (start: number, end: number) => (slices.push([start, end]), source.slice(start, end)) } as unknown as Blob;
    const reader = new ChunkReader(spy, 1000, 3);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < reader.chunks; i++) chunks.push(await reader.read(i));
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    expect(slices).toEqual([[0, 3000], [3000, 6000], [6000, 9000], [9000, 10007]]);
    // After a resume far back, reading starts over at that block.
    expect(await reader.read(1)).toEqual(data.subarray(1000, 2000));
    expect(slices.at(-1)).toEqual([3000, 6000]);
  });

  it('hashes a file as Node does, block by block (4 MiB), with progress after each block', async () => {
    const MiB = 1024 * 1024;
    for (const size of [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 7]) {
      const data = randomBytes(size);
      const progress: number[] = [];
      expect(await contentHashOf(new Blob([data as BlobPart]), (n) => progress.push(n))).toBe(nodeContentHash(data));
      expect(progress).toEqual(Array.from({ length: Math.ceil(size / (4 * MiB)) }, (_, i) => Math.min(size, (i + 1) * 4 * MiB)));
    }
  });

  it('a read error surfaces (the engine fails that file as unreadable)', async () => {
    const broken = { size: 10, slice: () => ({ arrayBuffer: () => Promise.reject(new Error('NotReadableError')) }) } as unknown as Blob;
    await expect(new ChunkReader(broken).read(0)).rejects.toThrow('NotReadableError');
  });
});

describe('preparing an offer', () => {
  it('sanitises names, fills types and hashes, and keeps the text', async () => {
    const data = randomBytes(1000);
    const offer = await prepareOffer([file('..\\evil/report.pdf', data), file('server.log', 3, '')], 'see logs', { policy: { ...DEFAULT_FILE_POLICY, types: ['application/pdf', '.log'] } });
    expect(offer.text).toBe('see logs');
    expect(offer.files.map((f) => [f.name, f.mime, f.size])).toEqual([
      ['report.pdf', 'application/pdf', 1000],
      ['server.log', 'text/plain', 3],
    ]);
    expect(offer.files[0]!.sha256).toBe(nodeContentHash(data));
    expect(new Set(offer.files.map((f) => f.fid)).size).toBe(2);
    expect(parseFileMessage(offer)).toEqual(offer);
  });

  it('reports hashing progress over the whole batch', async () => {
    const seen: [number, number][] = [];
    await prepareOffer([file('a.pdf', 2 * 1024 * 1024), file('b.pdf', 10)], undefined, { policy: DEFAULT_FILE_POLICY, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.at(-1)).toEqual([2 * 1024 * 1024 + 10, 2 * 1024 * 1024 + 10]);
    expect(seen.every(([done], i) => i === 0 || done >= seen[i - 1]![0])).toBe(true);
  });

  it('drops previews, last first, until the offer fits in one peer message', () => {
    const preview = `data:image/jpeg;base64,${'A'.repeat(16_000)}`;
    const files = [1, 2, 3, 4, 5].map((i) => ({ fid: `f_file_0000${i}`, name: `p${i}.png`, size: 1, mime: 'image/png', sha256: 'a'.repeat(64), preview }));
    const offer: FileOffer = { type: 'file-offer', id: 'b_offer_0001', files, text: 'x'.repeat(10_000) };
    const fitted = fitOffer(offer);
    expect(new TextEncoder().encode(JSON.stringify(fitted)).length).toBeLessThanOrEqual(MAX_PEER_PLAINTEXT);
    const kept = fitted.files.map((f) => !!f.preview);
    expect(kept).toEqual([true, true, true, false, false]);
    expect(offer.files.every((f) => f.preview)).toBe(true); // the original is untouched
    const small = { ...offer, text: undefined, files: files.slice(0, 1) };
    expect(fitOffer(small)).toEqual(small);
  });

  it('lists violations with the name each file would be offered under', () => {
    expect(policyViolations(DEFAULT_FILE_POLICY, [file('dir/clip.mov', 1, 'video/quicktime')])).toEqual([{ name: 'clip.mov', mime: 'video/quicktime', rule: { rule: 'type', mime: 'video/quicktime' } }]);
  });
});

describe('composer attachments', () => {
  it('names each problem in a sentence with the file’s name, counting from the first file', () => {
    const list = [file('a.pdf', 1), file('b.mov', 1, 'video/quicktime'), file('c.pdf', 30 * 1024 * 1024), ...[1, 2, 3].map((i) => file(`${i}.txt`, 1, 'text/plain'))].map(toAttachment);
    const checked = checkAttachments(list, DEFAULT_FILE_POLICY);
    expect(checked.map((a) => a.problem)).toEqual([
      null,
      '“b.mov” can’t be sent: files of type video/quicktime are not allowed.',
      '“c.pdf” is 30 MB; the limit is 20 MB.',
      null,
      null,
      '“3.txt” can’t be sent: at most 5 files can go with one message.',
    ]);
  });

  it('gives pasted pictures a name that says when they were pasted', () => {
    const pasted = namePasted(new File([new Uint8Array(3)], 'image.png', { type: 'image/png' }), new Date('2026-11-23T14:05:09Z'));
    expect(pasted.name).toBe('pasted-image-2026-11-23-14-05-09.png');
    expect(pasted.type).toBe('image/png');
    const named = new File([new Uint8Array(3)], 'diagram.png', { type: 'image/png' });
    expect(namePasted(named)).toBe(named);
    expect(namePasted(new File([new Uint8Array(1)], 'image.png', { type: 'image/jpeg' }), new Date(0)).name).toMatch(/\.jpg$/);
  });
});

describe('RateMeter', () => {
  it('measures speed over the recent window and predicts the time left', () => {
    const meter = new RateMeter(3000);
    meter.add(0, 0);
    expect(meter.bytesPerSecond()).toBeNull(); // not enough history yet
    meter.add(1000, 1_000_000);
    expect(meter.bytesPerSecond()).toBe(1_000_000);
    expect(meter.secondsLeft(5_000_000)).toBe(4);
    meter.add(5000, 9_000_000); // faster lately: the old sample leaves the window
    expect(meter.bytesPerSecond()).toBe(2_000_000);
  });

  it('starts over after going back (a resume) or a reset, and says nothing while stalled', () => {
    const meter = new RateMeter();
    meter.add(0, 100);
    meter.add(1000, 200);
    meter.add(1100, 50);
    expect(meter.bytesPerSecond()).toBeNull();
    meter.reset();
    meter.add(0, 10);
    meter.add(1000, 10);
    expect(meter.secondsLeft(100)).toBeNull();
  });
});
