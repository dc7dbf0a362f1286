/**
 * The bulk channel with pipelined sealing (bulk-crypto.ts): frames go out sealed and in order,
 * the sender is held back while sealing plus the send buffer hold more than HIGH_WATER bytes,
 * and a tampered, replayed, oversized or early frame ends the channel. Sealing runs here on the
 * calling thread (localBulkCrypto) or behind a deliberately slow, out-of-turn backend.
 */
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { BulkChannel, HIGH_WATER } from '../../client/src/lib/bulk-channel.ts';
import { localBulkCrypto, type BulkCrypto, type BulkKeys } from '../../client/src/lib/bulk-crypto.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { MAX_BULK_PLAINTEXT } from '../../protocol/limits.ts';
import { Opener, Sealer } from '../../protocol/seal.ts';

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
    crypto: options.crypto ?? localBulkCrypto,
  });
  return { fake, bulk, frames, fatal };
}

describe('BulkChannel sending', () => {
  it('sends sealed frames in order, each opening with the peer key', async () => {
    const { fake, bulk } = channel();
    for (let i = 0; i < 5; i++) await bulk.send(Uint8Array.of(i, i, i));
    await tick();
    const opener = new Opener(keyA, { maxPlaintext: MAX_BULK_PLAINTEXT });
    expect(fake.sent.map((f) => [...opener.open(f)])).toEqual([0, 1, 2, 3, 4].map((i) => [i, i, i]));
  });

  it('keeps frames in order when sealing answers late', async () => {
    // A backend that answers in a later task, as a Worker does.
    const slow = (keys: BulkKeys): BulkCrypto => {
      const local = localBulkCrypto(keys);
      return { ...local, seal: (p) => local.seal(p).then((f) => new Promise((r) => setTimeout(() => r(f), 5))) };
    };
    const { fake, bulk } = channel({ crypto: slow });
    await Promise.all([1, 2, 3, 4].map((i) => bulk.send(Uint8Array.of(i))));
    await new Promise((r) => setTimeout(r, 50));
    const opener = new Opener(keyA, { maxPlaintext: MAX_BULK_PLAINTEXT });
    expect(fake.sent.map((f) => opener.open(f)[0])).toEqual([1, 2, 3, 4]);
  });

  it('holds the sender while more than HIGH_WATER bytes wait, and lets it go once drained', async () => {
    const { fake, bulk } = channel();
    const chunk = new Uint8Array(64_000);
    let sent = 0;
    const sender = (async () => {
      for (;;) {
        await bulk.send(chunk.slice());
        sent += 1;
        if (sent > 100) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    const held = sent;
    expect(held * 64_000).toBeLessThanOrEqual(HIGH_WATER + 64_000);
    expect(fake.bufferedAmount).toBeGreaterThan(HIGH_WATER);
    fake.drain();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toBeGreaterThan(held);
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
    await tick();
    await expect(bulk.send(Uint8Array.of(2))).rejects.toMatchObject({ code: 'PEER_GONE' });
  });
});

describe('BulkChannel receiving', () => {
  const sealer = () => new Sealer(keyB);

  it('opens frames in order and hands them on', async () => {
    const { fake, frames, fatal } = channel();
    const s = sealer();
    for (let i = 0; i < 3; i++) fake.deliver(s.seal(Uint8Array.of(i)));
    await tick();
    expect(frames.map((f) => f[0])).toEqual([0, 1, 2]);
    expect(fatal).toEqual([]);
  });

  it.each([
    ['tampered', (s: Sealer) => Object.assign(s.seal(Uint8Array.of(1)), { 10: 0xff }), 'TAMPERED'],
    ['replayed', (s: Sealer) => { const f = s.seal(Uint8Array.of(1)); return [f, f]; }, 'REPLAYED'],
    ['oversized', (s: Sealer) => s.seal(new Uint8Array(MAX_BULK_PLAINTEXT + 1)), 'PAYLOAD_TOO_LARGE'],
    ['not binary', () => 'text', 'MALFORMED'],
  ] as const)('ends the channel on a %s frame', async (_name, make, code) => {
    const { fake, frames, fatal } = channel();
    const made = make(sealer());
    for (const frame of Array.isArray(made) ? made : [made]) fake.deliver(frame as Uint8Array | string);
    await tick();
    expect(fatal.map((e) => e.code)).toEqual([code]);
    expect(fake.readyState).toBe('closed');
    if (code === 'REPLAYED') expect(frames).toHaveLength(1); // the first copy was fine
  });

  it('refuses frames before the link is verified, and anything after a bad frame', async () => {
    const { fake, frames, fatal } = channel({ accepting: () => false });
    fake.deliver(sealer().seal(Uint8Array.of(1)));
    await tick();
    expect(fatal.map((e) => e.code)).toEqual(['MALFORMED']);
    fake.deliver(sealer().seal(Uint8Array.of(2)));
    await tick();
    expect(frames).toHaveLength(0);
    expect(fatal).toHaveLength(1);
  });
});

describe('localBulkCrypto', () => {
  it('rejects with PEER_GONE once closed', async () => {
    const c = localBulkCrypto({ sendKey: keyA, recvKey: keyB, maxPlaintext: 10 });
    c.close();
    await expect(c.seal(Uint8Array.of(1))).rejects.toMatchObject({ code: 'PEER_GONE' });
    await expect(c.open(new ArrayBuffer(30))).rejects.toMatchObject({ code: 'PEER_GONE' });
  });
});
