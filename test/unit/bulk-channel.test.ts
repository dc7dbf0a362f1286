/**
 * The bulk channel with pipelined sealing (bulk-crypto.ts): frames go out sealed and in order,
 * the sender is held back while sealing plus the send buffer hold more than HIGH_WATER bytes,
 * and a tampered, replayed, oversized or early frame ends the channel. Sealing runs here on the
 * Web Crypto AES-GCM backend (gcmBulkCrypto) or behind a deliberately slow backend.
 */
import nacl from 'tweetnacl';
import { describe, expect, it, vi } from 'vitest';
import { BulkChannel, HIGH_WATER } from '../../client/src/lib/bulk-channel.ts';
import { gcmBulkCrypto, type BulkCrypto, type BulkKeys } from '../../client/src/lib/bulk-crypto.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { MAX_BULK_PLAINTEXT } from '../../protocol/limits.ts';
import { BulkOpener, BulkSealer } from '../../protocol/bulk-seal.ts';
import { Sealer } from '../../protocol/seal.ts';

class FakeChannel extends EventTarget {
  binaryType = 'blob';
  bufferedAmountLowThreshold = 0;
  bufferedAmount = 0;
  readyState = 'open';
  sent: Uint8Array[] = [];
  refuse = false;
  send(data: Uint8Array): void {
    if (this.refuse) throw new Error('OperationError: send queue is full');
    this.sent.push(new Uint8Array(data));
    this.bufferedAmount += data.length;
  }
  close(): void {
    this.readyState = 'closed';
  }
  /** The network took everything: the browser fires bufferedamountlow. */
  drain(): void {
    this.bufferedAmount = 0;
    this.dispatchEvent(new Event('bufferedamountlow'));
  }
  deliver(frame: Uint8Array | string): void {
    const data = typeof frame === 'string' ? frame : frame.slice().buffer;
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

const keyA = nacl.randomBytes(32);
const keyB = nacl.randomBytes(32);
const tick = () => new Promise((r) => setTimeout(r, 0));
/** A pause for checking that nothing more happens (what must happen is awaited with vi.waitFor). */
const settle = () => new Promise((r) => setTimeout(r, 30));

function channel(options: { crypto?: (keys: BulkKeys) => BulkCrypto; accepting?: () => boolean } = {}) {
  const fake = new FakeChannel();
  const frames: Uint8Array[] = [];
  const fatal: ParleyError[] = [];
  const bulk = new BulkChannel(fake as unknown as RTCDataChannel, {
    sendKey: keyA,
    recvKey: keyB,
    accepting: options.accepting ?? (() => true),
    onFrame: (p) => frames.push(p),
    onFatal: (e) => fatal.push(e),
    crypto: options.crypto ?? gcmBulkCrypto,
  });
  return { fake, bulk, frames, fatal };
}

describe('BulkChannel sending', () => {
  it('sends sealed frames in order, each opening with the peer key', async () => {
    const { fake, bulk } = channel();
    for (let i = 0; i < 5; i++) await bulk.send(Uint8Array.of(i, i, i));
    await vi.waitFor(() => expect(fake.sent).toHaveLength(5));
    const opener = new BulkOpener(keyA, { maxPlaintext: MAX_BULK_PLAINTEXT });
    expect(await Promise.all(fake.sent.map(async (f) => [...(await opener.open(f))]))).toEqual([0, 1, 2, 3, 4].map((i) => [i, i, i]));
  });

  it('has taken a frame’s bytes once send resolves: one buffer can serve every frame', async () => {
    const { fake, bulk } = channel();
    const buffer = new Uint8Array(3);
    for (let i = 0; i < 5; i++) {
      buffer.fill(i); // the first while the key is still being imported, the others once it is ready
      await bulk.send(buffer);
    }
    buffer.fill(99);
    await vi.waitFor(() => expect(fake.sent).toHaveLength(5));
    const opener = new BulkOpener(keyA, { maxPlaintext: MAX_BULK_PLAINTEXT });
    expect(await Promise.all(fake.sent.map(async (f) => [...(await opener.open(f))]))).toEqual([0, 1, 2, 3, 4].map((i) => [i, i, i]));
  });

  it('keeps frames in order when sealing answers late', async () => {
    // A backend that answers in a later task, each frame a little later than the one before.
    const slow = (keys: BulkKeys): BulkCrypto => {
      const real = gcmBulkCrypto(keys);
      return { ...real, seal: (p) => real.seal(p).then((f) => new Promise((r) => setTimeout(() => r(f), 5))) };
    };
    const { fake, bulk } = channel({ crypto: slow });
    await Promise.all([1, 2, 3, 4].map((i) => bulk.send(Uint8Array.of(i))));
    await new Promise((r) => setTimeout(r, 50));
    const opener = new BulkOpener(keyA, { maxPlaintext: MAX_BULK_PLAINTEXT });
    expect(await Promise.all(fake.sent.map(async (f) => (await opener.open(f))[0]))).toEqual([1, 2, 3, 4]);
  });

  it('holds the sender while more than HIGH_WATER bytes wait, and lets it go once drained', async () => {
    const { fake, bulk } = channel();
    const chunk = new Uint8Array(64_000);
    let sent = 0;
    const sender = (async () => {
      for (;;) {
        await bulk.send(chunk.slice());
        sent += 1;
        if (sent * 64_000 > 4 * HIGH_WATER) return; // more than one drain can let through
      }
    })();
    // Sealing is asynchronous: wait until the buffer is full, then check nothing more goes out.
    await vi.waitFor(() => expect(fake.bufferedAmount).toBeGreaterThan(HIGH_WATER));
    const held = sent;
    await settle();
    expect(sent).toBe(held);
    expect(held * 64_000).toBeLessThanOrEqual(HIGH_WATER + 64_000);
    fake.drain();
    await vi.waitFor(() => expect(sent).toBeGreaterThan(held));
    bulk.close();
    await expect(sender).rejects.toMatchObject({ code: 'PEER_GONE' });
  });

  it('refuses an oversized frame, and sends nothing once closed', async () => {
    const { fake, bulk } = channel();
    await expect(bulk.send(new Uint8Array(MAX_BULK_PLAINTEXT + 1))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    bulk.close();
    await expect(bulk.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'PEER_GONE' });
    expect(fake.sent).toHaveLength(0);
  });

  it('closes when the browser refuses a sealed frame', async () => {
    const { fake, bulk } = channel();
    fake.refuse = true;
    await bulk.send(Uint8Array.of(1)).catch(() => {});
    await settle();
    await expect(bulk.send(Uint8Array.of(2))).rejects.toMatchObject({ code: 'PEER_GONE' });
  });
});

describe('BulkChannel receiving', () => {
  const sealer = () => new BulkSealer(keyB);

  it('opens frames in order and hands them on', async () => {
    const { fake, frames, fatal } = channel();
    const s = sealer();
    for (const frame of await Promise.all([0, 1, 2].map((i) => s.seal(Uint8Array.of(i))))) fake.deliver(frame);
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    expect(frames.map((f) => f[0])).toEqual([0, 1, 2]);
    expect(fatal).toEqual([]);
  });

  it.each([
    ['tampered', async (s: BulkSealer) => { const f = await s.seal(Uint8Array.of(1)); f[10]! ^= 0x01; return f; }, 'TAMPERED'],
    ['replayed', async (s: BulkSealer) => { const f = await s.seal(Uint8Array.of(1)); return [f, f]; }, 'TAMPERED'],
    ['oversized', (s: BulkSealer) => s.seal(new Uint8Array(MAX_BULK_PLAINTEXT + 1)), 'PAYLOAD_TOO_LARGE'],
    ['secretbox (the old cipher)', () => new Sealer(keyB).seal(Uint8Array.of(1)), 'TAMPERED'],
    ['not binary', () => 'text', 'MALFORMED'],
  ] as const)('ends the channel on a %s frame', async (_name, make, code) => {
    const { fake, frames, fatal } = channel();
    const made = await make(sealer());
    for (const frame of Array.isArray(made) ? made : [made]) fake.deliver(frame as Uint8Array | string);
    await vi.waitFor(() => expect(fatal.map((e) => e.code)).toEqual([code]));
    expect(fake.readyState).toBe('closed');
    if (Array.isArray(made)) expect(frames).toHaveLength(1); // the first copy was fine
  });

  it('refuses frames before the link is verified, and anything after a bad frame', async () => {
    const { fake, frames, fatal } = channel({ accepting: () => false });
    fake.deliver(await sealer().seal(Uint8Array.of(1)));
    await vi.waitFor(() => expect(fatal.map((e) => e.code)).toEqual(['MALFORMED']));
    fake.deliver(await sealer().seal(Uint8Array.of(2)));
    await settle();
    expect(frames).toHaveLength(0);
    expect(fatal).toHaveLength(1);
  });
});

describe('gcmBulkCrypto', () => {
  it('rejects with PEER_GONE once closed', async () => {
    const c = gcmBulkCrypto({ sendKey: keyA, recvKey: keyB, maxPlaintext: 10 });
    c.close();
    await expect(c.seal(Uint8Array.of(1))).rejects.toMatchObject({ code: 'PEER_GONE' });
    await expect(c.open(new ArrayBuffer(30))).rejects.toMatchObject({ code: 'PEER_GONE' });
  });

  it('rejects a plaintext that is not bytes instead of throwing', async () => {
    const c = gcmBulkCrypto({ sendKey: keyA, recvKey: keyB, maxPlaintext: 10 });
    await expect(c.seal('text' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'MALFORMED' });
  });
});
