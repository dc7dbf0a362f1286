/**
 * Bulk-channel sealing (protocol/bulk-seal.ts): AES-256-GCM frames with counter IVs, checked
 * against Node's own AES-GCM, and every way a frame can be bad.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BULK_FRAME_OVERHEAD, BulkOpener, BulkSealer } from '../../protocol/bulk-seal.ts';

const key = new Uint8Array(randomBytes(32));
const MAX = 1000;
const opener = () => new BulkOpener(key, { maxPlaintext: MAX });

/**
 * Makes Web Crypto's `method` finish each call sooner than the one before (as a crypto thread
 * may), runs `body`, and restores it.
 */
async function withReversedCrypto(method: 'encrypt' | 'decrypt', body: (restart: () => void) => Promise<void>): Promise<void> {
  const subtle = globalThis.crypto.subtle;
  const original = subtle[method].bind(subtle);
  let calls = 0;
  const spy = vi.spyOn(subtle, method).mockImplementation(async (...args: Parameters<SubtleCrypto['encrypt']>) => {
    const delay = 40 - 8 * calls++;
    const result = await original(...args);
    await new Promise((r) => setTimeout(r, delay));
    return result;
  });
  try {
    await body(() => (calls = 0));
  } finally {
    spy.mockRestore();
  }
}

describe('BulkSealer', () => {
  it('writes counter ‖ AES-256-GCM ciphertext ‖ tag, as an independent implementation computes it', async () => {
    const sealer = new BulkSealer(key);
    await sealer.seal(Uint8Array.of(0)); // counter 0
    const plaintext = new TextEncoder().encode('chunk number one');
    const frame = await sealer.seal(plaintext); // counter 1
    const iv = Buffer.alloc(12);
    iv.writeBigUInt64BE(1n, 4);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const expected = Buffer.concat([iv.subarray(4), cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    expect(Buffer.from(frame).equals(expected)).toBe(true);
    expect(frame.length).toBe(plaintext.length + BULK_FRAME_OVERHEAD);
  });

  it('seals and opens frames of any size up to the limit, empty ones included', async () => {
    const sealer = new BulkSealer(key);
    const sizes = [60_000, 1, 30_000, 0, 5];
    const frames = await Promise.all(sizes.map((n) => sealer.seal(new Uint8Array(n).fill(n % 251))));
    const o = new BulkOpener(key, { maxPlaintext: 64_000 });
    const opened = await Promise.all(frames.map((f) => o.open(f)));
    expect(opened.map((p) => p.length)).toEqual(sizes);
  });

  it('hands results out in call order even when the crypto thread finishes them in reverse', async () => {
    await withReversedCrypto('encrypt', async (restart) => {
      const sealer = new BulkSealer(key);
      await sealer.seal(Uint8Array.of(0)); // the key is ready: later calls start at once
      restart();
      const order: number[] = [];
      const frames = await Promise.all([1, 2, 3, 4].map((i) => sealer.seal(Uint8Array.of(i)).then((f) => (order.push(i), f))));
      expect(order).toEqual([1, 2, 3, 4]);
      const o = opener();
      await o.open(await new BulkSealer(key).seal(Uint8Array.of(0)));
      expect(await Promise.all(frames.map(async (f) => (await o.open(f))[0]))).toEqual([1, 2, 3, 4]);
    });
  });

  it('takes the bytes as they were at the call, even before the key is ready', async () => {
    const sealer = new BulkSealer(key);
    const bytes = Uint8Array.of(1, 2, 3);
    const frame = sealer.seal(bytes);
    bytes.fill(9); // the caller reuses its buffer at once
    expect([...(await opener().open(await frame))]).toEqual([1, 2, 3]);
  });

  it('refuses a key that is not 32 bytes and a plaintext that is not bytes', () => {
    expect(() => new BulkSealer(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'BAD_KEY' }));
    expect(() => new BulkSealer(key).seal('text' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});

describe('BulkOpener', () => {
  async function frames(n: number): Promise<Uint8Array[]> {
    const sealer = new BulkSealer(key);
    return Promise.all(Array.from({ length: n }, (_, i) => sealer.seal(Uint8Array.of(i))));
  }

  it('opens frames in order and counts them', async () => {
    const o = opener();
    const [a, b] = await frames(2);
    expect([...(await o.open(a!))]).toEqual([0]);
    expect([...(await o.open(b!))]).toEqual([1]);
    expect(o.counter).toBe(2);
  });

  it.each([
    ['a ciphertext byte', 9],
    ['a tag byte', -1],
    ['a counter byte (the IV is authenticated)', 7],
  ])('calls a frame with %s changed TAMPERED, and still takes the next good one', async (_name, at) => {
    const o = opener();
    const [good] = await frames(1);
    const bad = good!.slice();
    bad[at < 0 ? bad.length + at : at]! ^= 0x01;
    await expect(o.open(bad)).rejects.toMatchObject({ code: 'TAMPERED' });
    expect(o.counter).toBe(0);
    expect([...(await o.open(good!))]).toEqual([0]);
  });

  it('calls an authentic frame seen before, or one that skips ahead, REPLAYED', async () => {
    const o = opener();
    const [first, second, third] = await frames(3);
    await o.open(first!);
    await expect(o.open(first!)).rejects.toMatchObject({ code: 'REPLAYED' });
    await expect(o.open(third!)).rejects.toMatchObject({ code: 'REPLAYED' });
    expect(o.counter).toBe(1);
    expect([...(await o.open(second!))]).toEqual([1]);
  });

  it('refuses a frame sealed with another key', async () => {
    const other = new BulkSealer(new Uint8Array(randomBytes(32)));
    await expect(opener().open(await other.seal(Uint8Array.of(1)))).rejects.toMatchObject({ code: 'TAMPERED' });
  });

  it('refuses frames too short, too large or not bytes, before any decryption', async () => {
    const o = opener();
    await expect(o.open(new Uint8Array(BULK_FRAME_OVERHEAD - 1))).rejects.toMatchObject({ code: 'MALFORMED' });
    await expect(o.open(new Uint8Array(MAX + BULK_FRAME_OVERHEAD + 1))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(o.open('frame' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'MALFORMED' });
    const big = await new BulkSealer(key).seal(new Uint8Array(MAX + 1));
    await expect(o.open(big)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(o.counter).toBe(0);
  });

  it('checks counters in call order even when decryption finishes in reverse', async () => {
    await withReversedCrypto('decrypt', async (restart) => {
      const o = opener();
      const all = await frames(5);
      await o.open(all[0]!); // the key is ready
      restart();
      const order: number[] = [];
      await Promise.all(all.slice(1).map((f) => o.open(f).then((p) => order.push(p[0]!))));
      expect(order).toEqual([1, 2, 3, 4]);
      expect(o.counter).toBe(5);
    });
  });

  it('calls a failure of the browser\'s crypto (not a bad tag) CONNECTION_FAILED, not tampering', async () => {
    const o = opener();
    const [good] = await frames(1);
    const spy = vi.spyOn(globalThis.crypto.subtle, 'decrypt').mockRejectedValueOnce(new TypeError('no such algorithm'));
    try {
      await expect(o.open(good!)).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    } finally {
      spy.mockRestore();
    }
  });

  it('reports results in call order even when a bad frame sits between good ones', async () => {
    const o = opener();
    const [a, b] = await frames(2);
    const results = await Promise.allSettled([o.open(a!), o.open(new Uint8Array(3)), o.open(b!)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
