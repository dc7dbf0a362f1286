/**
 * Bulk-channel sealing (protocol/bulk-seal.ts): AES-256-GCM frames with implicit counter IVs,
 * checked against Node's own AES-GCM, and every way a frame can be bad.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BULK_FRAME_OVERHEAD, BulkOpener, BulkSealer } from '../../protocol/bulk-seal.ts';

const key = new Uint8Array(randomBytes(32));
const MAX = 1000;
const opener = () => new BulkOpener(key, { maxPlaintext: MAX });

/** Frame number `counter` as Node's own AES-256-GCM seals it. */
function nodeSeal(counter: bigint, plaintext: Uint8Array, with_ = key): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(counter, 4);
  const cipher = createCipheriv('aes-256-gcm', with_, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

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
  it('writes AES-256-GCM ciphertext ‖ tag under the frame number, as an independent implementation computes it', async () => {
    const sealer = new BulkSealer(key);
    await sealer.seal(Uint8Array.of(0)); // counter 0
    const plaintext = new TextEncoder().encode('chunk number one');
    const frame = await sealer.seal(plaintext); // counter 1
    expect(Buffer.from(frame).equals(nodeSeal(1n, plaintext))).toBe(true);
    expect(frame.length).toBe(plaintext.length + BULK_FRAME_OVERHEAD);
    expect(sealer.counter).toBe(2);
  });

  it('hands out Web Crypto\'s own output, not a copy of it', async () => {
    const spy = vi.spyOn(globalThis.crypto.subtle, 'encrypt');
    try {
      const frame = await new BulkSealer(key).seal(Uint8Array.of(1, 2, 3));
      expect(frame.buffer).toBe(await spy.mock.results[0]!.value);
      expect(frame.byteOffset).toBe(0);
    } finally {
      spy.mockRestore();
    }
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

  it('opens frames an independent implementation sealed under counters 0, 1, 2', async () => {
    const o = opener();
    for (const n of [0n, 1n, 2n]) expect([...(await o.open(new Uint8Array(nodeSeal(n, Uint8Array.of(40 + Number(n))))))]).toEqual([40 + Number(n)]);
    expect(o.counter).toBe(3);
  });

  it.each([
    ['a ciphertext byte', 0],
    ['a tag byte', -1],
  ])('calls a frame with %s changed TAMPERED, and refuses every frame after it', async (_name, at) => {
    const o = opener();
    const [good, next] = await frames(2);
    const bad = good!.slice();
    bad[at < 0 ? bad.length + at : at]! ^= 0x01;
    await expect(o.open(bad)).rejects.toMatchObject({ code: 'TAMPERED' });
    // The stream is broken: which frame the sender meant next cannot be known.
    await expect(o.open(good!)).rejects.toMatchObject({ code: 'TAMPERED' });
    await expect(o.open(next!)).rejects.toMatchObject({ code: 'TAMPERED' });
    expect(o.counter).toBe(0);
  });

  it.each([
    ['seen before (a replay)', [0, 0]],
    ['that skips one (a lost frame)', [0, 2]],
    ['out of order', [1, 0]],
  ])('calls an authentic frame %s TAMPERED: it is opened under the wrong counter', async (_name, order) => {
    const o = opener();
    const all = await frames(3);
    const [first, second] = order.map((i) => all[i]!);
    const results = await Promise.allSettled([o.open(first!), o.open(second!)]);
    const expected = order[0] === 0 ? ['fulfilled', 'rejected'] : ['rejected', 'rejected'];
    expect(results.map((r) => r.status)).toEqual(expected);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'TAMPERED' });
    expect(o.counter).toBe(order[0] === 0 ? 1 : 0);
  });

  it('refuses a frame sealed with another key', async () => {
    const other = new BulkSealer(new Uint8Array(randomBytes(32)));
    await expect(opener().open(await other.seal(Uint8Array.of(1)))).rejects.toMatchObject({ code: 'TAMPERED' });
  });

  it.each([
    ['too short', () => new Uint8Array(BULK_FRAME_OVERHEAD - 1), 'MALFORMED'],
    ['too large', () => new Uint8Array(MAX + BULK_FRAME_OVERHEAD + 1), 'PAYLOAD_TOO_LARGE'],
    ['sealed over the limit', () => new BulkSealer(key).seal(new Uint8Array(MAX + 1)), 'PAYLOAD_TOO_LARGE'],
    ['not bytes', () => 'frame' as unknown as Uint8Array, 'MALFORMED'],
  ])('refuses a frame %s before any decryption, and every frame after it', async (_name, make, code) => {
    const spy = vi.spyOn(globalThis.crypto.subtle, 'decrypt');
    try {
      const o = opener();
      const [good] = await frames(1);
      await expect(o.open(await make())).rejects.toMatchObject({ code });
      await expect(o.open(good!)).rejects.toMatchObject({ code });
      expect(spy).not.toHaveBeenCalled();
      expect(o.counter).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('accepts a frame of exactly the largest size', async () => {
    const frame = await new BulkSealer(key).seal(new Uint8Array(MAX).fill(7));
    expect(frame.length).toBe(MAX + BULK_FRAME_OVERHEAD);
    expect((await opener().open(frame)).length).toBe(MAX);
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

  it('reports results in call order, and refuses good frames after a bad one', async () => {
    const o = opener();
    const [a, b] = await frames(2);
    const results = await Promise.allSettled([o.open(a!), o.open(new Uint8Array(3)), o.open(b!)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  });

  it('refuses a good frame decrypted before an earlier frame failed', async () => {
    await withReversedCrypto('decrypt', async (restart) => {
      const o = opener();
      const all = await frames(3);
      await o.open(all[0]!); // the key is ready
      restart();
      const tampered = all[1]!.slice();
      tampered[0]! ^= 0x01;
      // The third frame is decrypted first (reversed), and fine, but it comes after a bad one.
      const results = await Promise.allSettled([o.open(tampered), o.open(all[2]!)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'TAMPERED' });
      expect(o.counter).toBe(1);
    });
  });
});
