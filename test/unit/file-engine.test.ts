import { describe, expect, it, vi } from 'vitest';
import type { OutgoingFile } from '../../client/src/lib/files/outgoing.ts';
import { newContentHasher, type HashFactory } from '../../client/src/lib/files/hash-file.ts';
import { nodeContentHash } from '../content-hash-node.ts';
import { FilePolicyError } from '../../client/src/lib/files/prepare.ts';
import type { Batch, Transfer } from '../../client/src/lib/files/types.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { FILE_ACK_EVERY, FILE_CHUNK_BYTES, FileType, encodeFileChunk, readFileFrame, type FileOffer } from '../../protocol/file.ts';
import { DEFAULT_FILE_POLICY } from '../../protocol/file-policy.ts';
import { SEND_WINDOW_CHUNKS } from '../../client/src/lib/files/send-loop.ts';
import { FakeFileNet, file, quiet, randomBytes, until, type Packet } from './file-fakes.ts';

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
/** Byte-for-byte equality (toEqual on megabytes of typed array is very slow). */
async function expectSameBytes(blob: Blob | undefined, data: Uint8Array | Blob): Promise<void> {
  expect(blob).toBeDefined();
  const expected = data instanceof Blob ? await bytesOf(data) : data;
  expect(blob!.size).toBe(expected.length);
  expect(Buffer.from(await bytesOf(blob!)).equals(Buffer.from(expected))).toBe(true);
}

function incoming(net: FakeFileNet, name: string): Transfer {
  const update = net.updates.customer.find((u) => u.transfer.meta.name === name);
  if (!update) throw new Error(`no incoming ${name}`);
  return update.transfer;
}

describe('FileTransfers: sending and receiving', () => {
  it('happy path: offered, accepted, sent in order in ≤ 64 KiB frames, hashed, acked, done on both sides', async () => {
    const net = new FakeFileNet();
    const data = randomBytes(5 * FILE_CHUNK_BYTES + 1234);
    const frames: number[] = [];
    net.intercept = (p) => (p.kind === 'bulk' && frames.push(p.frame.length), p);

    const batch = await net.engines.rep.offer([file('log.pdf', data)], 'Here is the log');
    expect(batch.text).toBe('Here is the log');
    const [offer] = net.sent.rep as FileOffer[];
    expect(offer).toMatchObject({ type: 'file-offer', text: 'Here is the log', files: [{ name: 'log.pdf', size: data.length, mime: 'application/pdf', sha256: nodeContentHash(data) }] });
    await until(() => net.updates.customer.length === 1, 'the offer');
    expect(net.bulkSent.rep).toBe(0); // nothing flows before the receiver says yes
    const t = incoming(net, 'log.pdf');
    expect(t.state).toBe('offered');

    net.engines.customer.accept(t.fid);
    await until(() => t.state === 'done' && batch.transfers[0]!.state === 'done', 'both done');
    await expectSameBytes(t.blob!, data);
    expect(t.bytes).toBe(data.length);
    expect(batch.transfers[0]!.bytes).toBe(data.length);
    expect(frames).toHaveLength(6);
    expect(Math.max(...frames)).toBeLessThanOrEqual(65_536 - 24);
    const acks = net.sent.customer.filter((m) => m.type === FileType.Ack);
    expect(acks).toEqual([]); // 6 chunks < FILE_ACK_EVERY: the done says it all
    expect(net.sent.customer.at(-1)).toEqual({ type: 'file-done', fid: t.fid, ok: true });
    expect(net.story('rep', 'log.pdf')).toEqual(['offered:me', 'accepted:peer', 'sent:me', 'done:peer']);
    expect(net.story('customer', 'log.pdf')).toEqual(['offered:peer', 'accepted:me', 'done:me']);
    expect(net.warnings.rep).toEqual([]);
    expect(net.warnings.customer).toEqual([]);
  });

  it('a delivered file lets go of its reader\'s buffers (the session may send many more)', async () => {
    const net = new FakeFileNet();
    const batch = await net.engines.rep.offer([file('log.pdf', randomBytes(3 * FILE_CHUNK_BYTES))]);
    await until(() => net.updates.customer.length === 1, 'the offer');
    const reader = (batch.transfers[0] as OutgoingFile).reader;
    const calls: string[] = [];
    const read = reader.read.bind(reader);
    const clear = reader.clear.bind(reader);
    vi.spyOn(reader, 'read').mockImplementation((i) => (calls.push('read'), read(i)));
    vi.spyOn(reader, 'clear').mockImplementation(() => (calls.push('clear'), clear()));
    net.engines.customer.accept(incoming(net, 'log.pdf').fid);
    await until(() => batch.transfers[0]!.state === 'done', 'delivered');
    expect(calls.filter((c) => c === 'read')).toHaveLength(3);
    expect(calls.at(-1)).toBe('clear'); // after the last read
  });

  it('acknowledges every FILE_ACK_EVERY chunks, and the sender counts acknowledged bytes', async () => {
    const net = new FakeFileNet();
    const data = randomBytes(2 * FILE_ACK_EVERY * FILE_CHUNK_BYTES + 10);
    const batch = await net.engines.customer.offer([file('big.png', data, 'image/png')]);
    await until(() => net.updates.rep.length === 1);
    const t = net.updates.rep[0]!.transfer;
    net.engines.rep.accept(t.fid);
    await until(() => batch.transfers[0]!.state === 'done');
    expect(net.sent.rep.filter((m) => m.type === FileType.Ack)).toEqual([
      { type: 'file-ack', fid: t.fid, next: FILE_ACK_EVERY },
      { type: 'file-ack', fid: t.fid, next: 2 * FILE_ACK_EVERY },
    ]);
    await expectSameBytes(t.blob!, data);
  });

  /**
   * The rep sends a file of SEND_WINDOW_CHUNKS + `extra` chunks while the customer's
   * acknowledgements are held back (a receiver that has fallen behind); resolves once the window
   * is full, with a way to let the held acknowledgements through.
   */
  async function windowFull(extra: number) {
    const net = new FakeFileNet();
    const held: Packet[] = [];
    net.intercept = (packet, from) => (from === 'customer' && packet.kind === 'message' && packet.message.type === FileType.Ack ? (held.push(packet), null) : packet);
    const data = randomBytes((SEND_WINDOW_CHUNKS + extra) * FILE_CHUNK_BYTES);
    const batch = await net.engines.rep.offer([file('disk.png', data, 'image/png')]);
    await until(() => net.updates.customer.length === 1);
    const t = net.updates.customer[0]!.transfer;
    net.engines.customer.accept(t.fid);
    await until(() => net.bulkSent.rep === SEND_WINDOW_CHUNKS);
    const releaseAcks = () => {
      net.intercept = (packet) => packet;
      for (const packet of held.splice(0)) net.deliver('customer', packet);
    };
    return { net, data, t, sent: batch.transfers[0]!, releaseAcks };
  }

  it('sends at most SEND_WINDOW_CHUNKS chunks ahead of the receiver\'s acknowledgements, and goes on as they come', async () => {
    const { net, data, t, sent, releaseAcks } = await windowFull(20);
    await new Promise((r) => setTimeout(r, 30));
    expect(net.bulkSent.rep).toBe(SEND_WINDOW_CHUNKS); // the window is full: nothing more goes
    releaseAcks();
    await until(() => sent.state === 'done');
    expect(net.bulkSent.rep).toBe(SEND_WINDOW_CHUNKS + 20);
    await expectSameBytes(t.blob!, data);
  });

  it('a resume answered by acknowledgements of chunks the connection still carried: the sender skips them and finishes', async () => {
    // A short stall the connection survives: the receiver asks to resume from where it was, then
    // still takes (and acknowledges) the chunks that were on their way. Those acks go past what
    // the sender resent since; it must take them, or its window fills with chunks the receiver drops.
    const { net, data, t, sent, releaseAcks } = await windowFull(40);
    net.deliver('customer', { kind: 'message', message: { type: FileType.Resume, fid: t.fid, next: 0 } });
    releaseAcks(); // at once after the resume
    await until(() => sent.state === 'done');
    await expectSameBytes(t.blob!, data);
    expect(net.warnings.rep).toEqual([]);
  });

  it('a zero-byte file completes on acceptance with the content hash of nothing', async () => {
    const net = new FakeFileNet();
    const batch = await net.engines.rep.offer([file('empty.txt', 0, 'text/plain')]);
    expect((net.sent.rep[0] as FileOffer).files[0]!.sha256).toBe(nodeContentHash(new Uint8Array()));
    await until(() => net.updates.customer.length === 1);
    net.engines.customer.accept(incoming(net, 'empty.txt').fid);
    await until(() => batch.transfers[0]!.state === 'done');
    expect(incoming(net, 'empty.txt').blob!.size).toBe(0);
    expect(net.bulkSent.rep).toBe(0);
  });

  it('several files at once share the link fairly (one chunk each in turn)', async () => {
    const net = new FakeFileNet();
    const files = ['a.txt', 'b.txt', 'c.txt'].map((name) => file(name, 4 * FILE_CHUNK_BYTES, 'text/plain'));
    const batch = await net.engines.rep.offer(files);
    await until(() => net.updates.customer.length === 3);
    const fids = ['a.txt', 'b.txt', 'c.txt'].map((name) => incoming(net, name).fid);
    for (const fid of fids) net.engines.customer.accept(fid);
    await until(() => batch.transfers.every((t) => t.state === 'done'), 'all done');
    const log = net.chunkLog.customer;
    expect(log).toHaveLength(12);
    // After the first accept starts the loop, the three are served in turn.
    const tail = log.slice(3);
    for (let i = 0; i + 2 < tail.length; i += 3) expect(new Set(tail.slice(i, i + 3)).size).toBe(3);
    for (const [i, name] of ['a.txt', 'b.txt', 'c.txt'].entries()) {
      await expectSameBytes(incoming(net, name).blob, files[i]!);
    }
  });

  it('both directions at once', async () => {
    const net = new FakeFileNet();
    const toCustomer = randomBytes(3 * FILE_CHUNK_BYTES);
    const toRep = randomBytes(2 * FILE_CHUNK_BYTES + 7);
    const out = await net.engines.rep.offer([file('r.pdf', toCustomer)]);
    const back = await net.engines.customer.offer([file('c.pdf', toRep)]);
    await until(() => net.updates.customer.some((u) => u.transfer.direction === 'in') && net.updates.rep.some((u) => u.transfer.direction === 'in'));
    net.engines.customer.accept(out.transfers[0]!.fid);
    net.engines.rep.accept(back.transfers[0]!.fid);
    await until(() => out.transfers[0]!.state === 'done' && back.transfers[0]!.state === 'done');
    const repIn = net.updates.rep.find((u) => u.transfer.direction === 'in')!.transfer;
    await expectSameBytes(repIn.blob!, toRep);
    await expectSameBytes(incoming(net, 'r.pdf').blob!, toCustomer);
  });
});

describe('FileTransfers: integrity', () => {
  it('a chunk altered in transit (same length) fails the content hash check on both sides, and no file is kept', async () => {
    const net = new FakeFileNet();
    net.intercept = (p) => {
      if (p.kind !== 'bulk' || readFileFrame(p.frame).index !== 1) return p;
      const frame = p.frame.slice();
      frame[frame.length - 1]! ^= 0xff;
      return { kind: 'bulk', frame };
    };
    const batch = await net.engines.rep.offer([file('x.pdf', 3 * FILE_CHUNK_BYTES)]);
    await until(() => net.updates.customer.length === 1);
    net.engines.customer.accept(incoming(net, 'x.pdf').fid);
    await until(() => batch.transfers[0]!.state === 'failed');
    const t = incoming(net, 'x.pdf');
    expect(t).toMatchObject({ state: 'failed', failure: 'corrupt' });
    expect(t.blob).toBeUndefined();
    expect(batch.transfers[0]!.failure).toBe('corrupt');
    expect(net.sent.customer.at(-1)).toEqual({ type: 'file-done', fid: t.fid, ok: false });
  });

  it('a file that changed on disk after it was hashed is caught by the receiver', async () => {
    const net = new FakeFileNet();
    let reads = 0;
    const original = randomBytes(2 * FILE_CHUNK_BYTES);
    const changed = original.slice();
    changed[5]! ^= 1;
    const source = {
      name: 'moving.txt',
      size: original.length,
      type: 'text/plain',
      // The hash reads the original; the send reads the changed file.
      slice: (start?: number, end?: number) => new Blob([(reads++ === 0 ? original : changed).slice(start, end) as BlobPart]),
    };
    const batch = await net.engines.rep.offer([source]);
    await until(() => net.updates.customer.length === 1);
    net.engines.customer.accept(incoming(net, 'moving.txt').fid);
    await until(() => batch.transfers[0]!.state === 'failed');
    expect(batch.transfers[0]!.failure).toBe('corrupt');
  });
});

describe('FileTransfers: hashing elsewhere (asynchronous digest)', () => {
  /** A hash whose digest is handed out only when the test says so (as a Worker answers later). */
  function heldHash() {
    const held: { release: () => void; fail: () => void }[] = [];
    const factory: HashFactory = () => {
      const inner = newContentHasher();
      return {
        addBlock: (bytes) => inner.addBlock(bytes),
        digest: () =>
          new Promise<string>((resolve, reject) => {
            held.push({ release: () => void inner.digest().then(resolve, reject), fail: () => reject(new Error('worker died')) });
          }),
      };
    };
    return { factory, held };
  }

  it('the file is done only once the digest is in, and a digest that cannot be computed fails it on both sides', async () => {
    const { factory, held } = heldHash();
    const net = new FakeFileNet({}, { customer: factory });
    const batch = await net.engines.rep.offer([file('a.pdf', 2 * FILE_CHUNK_BYTES), file('b.pdf', 10)]);
    await until(() => net.updates.customer.length === 2);
    net.engines.customer.accept(batch.transfers[0]!.fid);
    await until(() => held.length === 1, 'the first digest asked for');
    const a = incoming(net, 'a.pdf');
    expect(a.state).toBe('active');
    expect(a.bytes).toBe(2 * FILE_CHUNK_BYTES);
    await quiet();
    expect(batch.transfers[0]!.state).toBe('verifying');
    held[0]!.release();
    await until(() => batch.transfers[0]!.state === 'done');
    net.engines.customer.accept(batch.transfers[1]!.fid);
    await until(() => held.length === 2, 'the second digest asked for');
    held[1]!.fail();
    await until(() => batch.transfers[1]!.state === 'failed');
    expect(batch.transfers.map((t) => t.state)).toEqual(['done', 'failed']);
    expect(incoming(net, 'b.pdf')).toMatchObject({ state: 'failed', failure: 'check' });
    expect(batch.transfers[1]!.failure).toBe('peer-error');
  });

  it('a cancel while the digest is being computed stands', async () => {
    const { factory, held } = heldHash();
    const net = new FakeFileNet({}, { customer: factory });
    const batch = await net.engines.rep.offer([file('c.pdf', FILE_CHUNK_BYTES)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, 'c.pdf');
    net.engines.customer.accept(t.fid);
    await until(() => held.length === 1);
    net.engines.customer.cancel(t.fid);
    held[0]!.release();
    await until(() => batch.transfers[0]!.state === 'cancelled');
    await quiet();
    expect(t).toMatchObject({ state: 'cancelled', by: 'me' });
    expect(t.blob).toBeUndefined();
  });
});

describe('FileTransfers: cancel', () => {
  async function midway(net: FakeFileNet) {
    // Hold the bulk frames after the third, so the transfer is caught in the middle.
    const held: Uint8Array[] = [];
    net.intercept = (p) => {
      if (p.kind === 'bulk' && readFileFrame(p.frame).index >= 3) {
        held.push(p.frame);
        return null;
      }
      return p;
    };
    const batch = await net.engines.rep.offer([file('long.pdf', 20 * FILE_CHUNK_BYTES)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, 'long.pdf');
    net.engines.customer.accept(t.fid);
    await until(() => t.bytes === 3 * FILE_CHUNK_BYTES);
    return { out: batch.transfers[0]!, in: t, held };
  }

  it('the sender cancels mid-way: the receiver shows it was cancelled by the other side and drops late chunks quietly', async () => {
    const net = new FakeFileNet();
    const { out, in: t, held } = await midway(net);
    net.engines.rep.cancel(out.fid);
    expect(out).toMatchObject({ state: 'cancelled', by: 'me' });
    await until(() => t.state === 'cancelled');
    expect(t.by).toBe('peer');
    // A chunk that was already on its way when the cancel crossed it.
    net.engines.customer.handleBulk(held[0]!);
    await quiet();
    expect(net.warnings.customer).toEqual([]);
    expect(t.blob).toBeUndefined();
    expect(net.story('customer', 'long.pdf')).toEqual(['offered:peer', 'accepted:me', 'cancelled:peer']);
  });

  it('the receiver cancels mid-way: the sender stops and shows it was cancelled by the other side', async () => {
    const net = new FakeFileNet();
    const { out, in: t } = await midway(net);
    net.engines.customer.cancel(t.fid);
    expect(t).toMatchObject({ state: 'cancelled', by: 'me' });
    await until(() => out.state === 'cancelled');
    expect(out.by).toBe('peer');
    const sentBefore = net.bulkSent.rep;
    await quiet();
    expect(net.bulkSent.rep).toBe(sentBefore);
    expect(net.story('rep', 'long.pdf')).toEqual(['offered:me', 'accepted:peer', 'cancelled:peer']);
  });

  it('the sender withdraws an offer before it is answered; the receiver declines another', async () => {
    const net = new FakeFileNet();
    const batch = await net.engines.rep.offer([file('a.pdf', 10), file('b.pdf', 10)]);
    await until(() => net.updates.customer.length === 2);
    net.engines.rep.cancel(batch.transfers[0]!.fid);
    net.engines.customer.decline(incoming(net, 'b.pdf').fid);
    await until(() => incoming(net, 'a.pdf').state === 'cancelled' && batch.transfers[1]!.state === 'declined');
    expect(batch.transfers[1]).toMatchObject({ by: 'peer', declineReason: 'declined' });
    expect(net.bulkSent.rep).toBe(0);
  });

  it('close() (the session ended) fails whatever is unfinished, and nothing is sent after', async () => {
    const net = new FakeFileNet();
    const { out, in: t } = await midway(net);
    net.engines.rep.close();
    net.engines.customer.close();
    expect(out).toMatchObject({ state: 'failed', failure: 'ended' });
    expect(t).toMatchObject({ state: 'failed', failure: 'ended' });
    const sent = net.sent.rep.length;
    await quiet();
    expect(net.sent.rep.length).toBe(sent);
    await expect(net.engines.rep.offer([file('late.pdf', 1)])).rejects.toMatchObject({ code: 'PEER_GONE' });
  });
});

describe('FileTransfers: policy', () => {
  const policy = { ...DEFAULT_FILE_POLICY, maxBytes: 1000, maxCount: 2 };

  it('the sender refuses a batch breaking the policy before anything is read or sent, naming each file and rule', async () => {
    const net = new FakeFileNet({ rep: policy });
    const files = [file('ok.pdf', 10), file('holiday.mov', 10, 'video/quicktime'), file('big.bin', 1001, 'image/png'), file('fourth.txt', 1, 'text/plain')];
    const error = await net.engines.rep.offer(files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FilePolicyError);
    expect(error).toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED' });
    expect((error as FilePolicyError).violations).toEqual([
      { name: 'holiday.mov', mime: 'video/quicktime', rule: { rule: 'type', mime: 'video/quicktime' } },
      { name: 'big.bin', mime: 'image/png', rule: { rule: 'size', size: 1001, max: 1000 } },
      { name: 'fourth.txt', mime: 'text/plain', rule: { rule: 'count', max: 2 } },
    ]);
    expect(net.sent.rep).toEqual([]);
  });

  it('each rule has its own error code', async () => {
    const net = new FakeFileNet({ rep: policy });
    await expect(net.engines.rep.offer([file('big.pdf', 2000)])).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(net.engines.rep.offer([file('a.pdf', 1), file('b.pdf', 1), file('c.pdf', 1)])).rejects.toMatchObject({ code: 'TOO_MANY_FILES' });
    await expect(net.engines.rep.offer([file('a.pdf', 1)], 'x'.repeat(10_001))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('the receiver declines automatically what breaks its policy, tells the sender why, and the rest can still be accepted', async () => {
    // The sender's own check is bypassed (a modified client): the receiver must not rely on it.
    const net = new FakeFileNet({ rep: { ...DEFAULT_FILE_POLICY, types: ['*'], maxBytes: 10_000 }, customer: policy });
    const batch = await net.engines.rep.offer([file('fine.pdf', 100), file('movie.mov', 10, 'video/quicktime'), file('huge.pdf', 5000)]);
    await until(() => batch.transfers[1]!.state === 'declined' && batch.transfers[2]!.state === 'declined');
    expect(batch.transfers[1]).toMatchObject({ declineReason: 'type', by: 'peer' });
    expect(batch.transfers[2]).toMatchObject({ declineReason: 'size', by: 'peer' });
    expect(net.story('customer', 'movie.mov')).toEqual(['offered:peer', 'declined:auto']);
    expect(incoming(net, 'huge.pdf')).toMatchObject({ state: 'declined', by: 'auto', declineReason: 'size' });
    expect(net.sent.customer).toEqual([
      { type: 'file-decline', fid: batch.transfers[1]!.fid, reason: 'type' },
      { type: 'file-decline', fid: batch.transfers[2]!.fid, reason: 'size' },
    ]);
    net.engines.customer.accept(batch.transfers[2]!.fid); // declined stays declined
    net.engines.customer.accept(batch.transfers[0]!.fid);
    await until(() => batch.transfers[0]!.state === 'done');
    expect(net.bulkSent.rep).toBe(1);
  });

  it('the receiver declines files past its count limit', async () => {
    const net = new FakeFileNet({ rep: { ...DEFAULT_FILE_POLICY, maxCount: 5 }, customer: { ...DEFAULT_FILE_POLICY, maxCount: 1 } });
    const batch = await net.engines.rep.offer([file('1.pdf', 1), file('2.pdf', 1)]);
    await until(() => batch.transfers[1]!.state === 'declined');
    expect(batch.transfers[1]!.declineReason).toBe('count');
    expect(batch.transfers[0]!.state).toBe('offered');
  });

  it('auto-accept: a customer takes the rep’s files without asking when the policy says so, never the other way', async () => {
    const auto = { ...DEFAULT_FILE_POLICY, autoAcceptFromRep: true };
    const net = new FakeFileNet({ rep: auto, customer: auto });
    const toCustomer = await net.engines.rep.offer([file('guide.pdf', 3 * FILE_CHUNK_BYTES)]);
    const toRep = await net.engines.customer.offer([file('screenshot.png', 10, 'image/png')]);
    await until(() => toCustomer.transfers[0]!.state === 'done');
    expect(net.story('customer', 'guide.pdf')).toEqual(['offered:peer', 'accepted:auto', 'done:me']);
    await quiet();
    expect(toRep.transfers[0]!.state).toBe('offered');
  });

  it('without auto-accept the customer is asked', async () => {
    const net = new FakeFileNet();
    const batch = await net.engines.rep.offer([file('guide.pdf', 10)]);
    await quiet();
    expect(batch.transfers[0]!.state).toBe('offered');
    expect(incoming(net, 'guide.pdf').state).toBe('offered');
  });
});

describe('FileTransfers: link drops', () => {
  /** A 30-chunk file from the rep, accepted, with at least 12 chunks received. */
  async function underWay(name: string) {
    const net = new FakeFileNet();
    const data = randomBytes(30 * FILE_CHUNK_BYTES + 99);
    const batch = await net.engines.rep.offer([file(name, data)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, name);
    net.engines.customer.accept(t.fid);
    await until(() => t.bytes >= 12 * FILE_CHUNK_BYTES);
    return { net, data, batch, t };
  }

  it('a transfer cut by a reconnect resumes from the next chunk the receiver needs: no byte kept twice, hash intact', async () => {
    const { net, data, batch, t } = await underWay('resume.pdf');
    net.drop();
    expect(t.state).toBe('paused');
    expect(batch.transfers[0]!.state).toBe('paused');
    const have = t.bytes / FILE_CHUNK_BYTES;
    await quiet();
    net.restore();
    await until(() => batch.transfers[0]!.state === 'done', 'done after resume');
    expect(net.sent.customer).toContainEqual({ type: 'file-resume', fid: t.fid, next: have });
    await expectSameBytes(t.blob!, data);
    expect(net.story('customer', 'resume.pdf')).toEqual(['offered:peer', 'accepted:me', 'paused:auto', 'resumed:auto', 'done:me']);
    expect(net.story('rep', 'resume.pdf')).toEqual(['offered:me', 'accepted:peer', 'paused:auto', 'resumed:auto', 'sent:me', 'done:peer']);
    expect(net.warnings.customer).toEqual([]);
  });

  it('when only the sender saw the link drop, its files go on from the last acknowledged chunk: no resume asked, no byte kept twice', async () => {
    const { net, data, batch, t } = await underWay('stall.pdf');
    // The sender's heartbeat noticed a stall and re-paired; the receiver's engine saw nothing.
    net.up = false;
    net.epoch += 1;
    net.engines.rep.handleLink(false);
    expect(batch.transfers[0]!.state).toBe('paused');
    await quiet();
    net.up = true;
    net.engines.rep.handleLink(true);
    await until(() => batch.transfers[0]!.state === 'done', 'done without a file-resume');
    expect(net.sent.customer.some((m) => m.type === 'file-resume')).toBe(false);
    await expectSameBytes(t.blob!, data);
    expect(net.story('rep', 'stall.pdf')).toEqual(['offered:me', 'accepted:peer', 'paused:auto', 'resumed:auto', 'sent:me', 'done:peer']);
    expect(net.story('customer', 'stall.pdf')).toEqual(['offered:peer', 'accepted:me', 'done:me']);
    expect(net.warnings.customer).toEqual([]);
    expect(net.warnings.rep).toEqual([]);
  });

  it('survives several drops in a row', async () => {
    const net = new FakeFileNet();
    const data = randomBytes(40 * FILE_CHUNK_BYTES);
    const batch = await net.engines.rep.offer([file('bumpy.pdf', data)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, 'bumpy.pdf');
    net.engines.customer.accept(t.fid);
    for (const at of [5, 15, 25]) {
      await until(() => t.bytes >= at * FILE_CHUNK_BYTES);
      net.drop();
      net.restore();
    }
    await until(() => batch.transfers[0]!.state === 'done');
    await expectSameBytes(t.blob!, data);
  });

  it('an offer lost with the link is sent again; an accept given while the link was down counts', async () => {
    const net = new FakeFileNet();
    net.intercept = (p) => (p.kind === 'message' && p.message.type === FileType.Offer && net.epoch === 0 ? (net.drop(), null) : p);
    const batch = await net.engines.rep.offer([file('lost.pdf', 2 * FILE_CHUNK_BYTES)]);
    await quiet();
    expect(net.updates.customer).toEqual([]);
    net.restore();
    await until(() => net.updates.customer.length === 1, 'offer sent again');
    const t = incoming(net, 'lost.pdf');
    net.drop();
    net.engines.customer.accept(t.fid);
    expect(t.state).toBe('paused');
    net.restore();
    await until(() => batch.transfers[0]!.state === 'done');
    // Sent on each new link while unanswered (the accept given offline was never delivered).
    expect(net.sent.rep.filter((m) => m.type === FileType.Offer)).toHaveLength(3);
    expect(await bytesOf(t.blob!)).toHaveLength(2 * FILE_CHUNK_BYTES);
  });

  it('a cancel lost with the link is repeated when the link is back', async () => {
    const net = new FakeFileNet();
    const batch = await net.engines.rep.offer([file('c.pdf', 10 * FILE_CHUNK_BYTES)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, 'c.pdf');
    net.engines.customer.accept(t.fid);
    await until(() => t.bytes > 0);
    net.drop();
    net.engines.customer.cancel(t.fid); // cannot be sent now
    net.restore();
    await until(() => batch.transfers[0]!.state === 'cancelled');
    expect(batch.transfers[0]!.by).toBe('peer');
  });

  /**
   * A 2-chunk file received whole, whose `file-done` is lost with the link it drops: the first
   * done only, or every done (`allDone`). Returns once the sender has paused.
   */
  async function doneLost(name: string, allDone: boolean) {
    const net = new FakeFileNet();
    net.intercept = (p) => (p.kind === 'message' && p.message.type === FileType.Done && (allDone || net.epoch === 0) ? (net.epoch === 0 && net.drop(), null) : p);
    const batch = await net.engines.rep.offer([file(name, 2 * FILE_CHUNK_BYTES)]);
    await until(() => net.updates.customer.length === 1);
    net.engines.customer.accept(incoming(net, name).fid);
    await until(() => incoming(net, name).state === 'done');
    await quiet();
    expect(batch.transfers[0]!.state).toBe('paused');
    return { net, sent: batch.transfers[0]! };
  }

  it('the done lost with the link is repeated, so the sender learns the file arrived', async () => {
    const { net, sent } = await doneLost('d.pdf', false);
    net.restore();
    await until(() => sent.state === 'done');
    expect(net.story('rep', 'd.pdf')).toEqual(['offered:me', 'accepted:peer', 'sent:me', 'paused:auto', 'resumed:auto', 'done:peer']);
  });

  it('a file whose chunks go out again after a reconnect is said "sent" once', async () => {
    const { net, sent } = await doneLost('twice.pdf', true);
    net.restore();
    await until(() => net.bulkSent.rep === 4, 'both chunks sent again (none was acknowledged)');
    await quiet();
    expect(sent.state).toBe('verifying');
    expect(net.story('rep', 'twice.pdf')).toEqual(['offered:me', 'accepted:peer', 'sent:me', 'paused:auto', 'resumed:auto']);
  });
});

describe('FileTransfers: a misbehaving peer', () => {
  async function accepted(net: FakeFileNet, size = 4 * FILE_CHUNK_BYTES) {
    net.intercept = (p) => (p.kind === 'bulk' ? null : p); // the test sends the chunks itself
    await net.engines.rep.offer([file('t.pdf', size)]);
    await until(() => net.updates.customer.length === 1);
    const t = incoming(net, 't.pdf');
    net.engines.customer.accept(t.fid);
    await quiet();
    return t;
  }

  it('a chunk out of order fails that transfer (the sender is told), and the session goes on', async () => {
    const net = new FakeFileNet();
    const t = await accepted(net);
    net.engines.customer.handleBulk(encodeFileChunk(t.fid, 1, new Uint8Array(FILE_CHUNK_BYTES)));
    expect(t).toMatchObject({ state: 'failed', failure: 'protocol' });
    expect(net.warnings.customer[0]).toMatchObject({ code: 'MALFORMED' });
    expect(net.sent.customer.at(-1)).toEqual({ type: 'file-cancel', fid: t.fid, reason: 'error' });
    await until(() => net.updates.rep.some((u) => u.what === 'failed'));
    expect(net.updates.rep.at(-1)!.transfer).toMatchObject({ state: 'failed', failure: 'peer-error' });
  });

  it('a chunk already received (resent after a stall) is ignored; an oversized chunk is refused', async () => {
    const net = new FakeFileNet();
    const t = await accepted(net);
    net.engines.customer.handleBulk(encodeFileChunk(t.fid, 0, new Uint8Array(FILE_CHUNK_BYTES)));
    expect(t.bytes).toBe(FILE_CHUNK_BYTES);
    net.engines.customer.handleBulk(encodeFileChunk(t.fid, 0, new Uint8Array(FILE_CHUNK_BYTES)));
    expect(t).toMatchObject({ state: 'active', bytes: FILE_CHUNK_BYTES, next: 1 });
    expect(net.warnings.customer).toEqual([]);
    net.engines.customer.handleBulk(encodeFileChunk(t.fid, 1, new Uint8Array(FILE_CHUNK_BYTES)));
    expect(t).toMatchObject({ state: 'active', bytes: 2 * FILE_CHUNK_BYTES, next: 2 });

    const net2 = new FakeFileNet();
    const t2 = await accepted(net2, 10);
    const frame = encodeFileChunk(t2.fid, 0, new Uint8Array(10));
    const longer = new Uint8Array(frame.length + 1);
    longer.set(frame);
    net2.engines.customer.handleBulk(longer);
    expect(t2).toMatchObject({ state: 'failed', failure: 'protocol' });
    expect(net2.warnings.customer[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('chunks for unknown or not-yet-accepted files, and garbage frames, are warnings only', async () => {
    const net = new FakeFileNet();
    net.engines.customer.handleBulk(encodeFileChunk('f_unknown_123', 0, new Uint8Array(5)));
    expect(net.warnings.customer.map((w) => w.message)).toEqual(['chunk for an unknown transfer']);
    const net2 = new FakeFileNet();
    await net2.engines.rep.offer([file('t.pdf', 10)]);
    await until(() => net2.updates.customer.length === 1);
    const t = incoming(net2, 't.pdf');
    net2.engines.customer.handleBulk(encodeFileChunk(t.fid, 0, new Uint8Array(10)));
    expect(net2.warnings.customer[0]!.message).toBe('chunk before the file was accepted');
    expect(t.state).toBe('offered');
    const net3 = new FakeFileNet();
    net3.engines.customer.handleBulk(Uint8Array.of(9, 9, 9));
    expect(net3.warnings.customer[0]).toBeInstanceOf(ParleyError);
  });

  it('answers for files it never offered, acks beyond what was sent and resumes past the end are ignored with a warning', async () => {
    const net = new FakeFileNet();
    net.engines.rep.handleMessage({ type: 'file-accept', fid: 'f_nobody_1234' });
    expect(net.warnings.rep).toHaveLength(1);
    const batch = await net.engines.rep.offer([file('t.pdf', 3 * FILE_CHUNK_BYTES)]);
    const fid = batch.transfers[0]!.fid;
    net.engines.rep.handleMessage({ type: 'file-resume', fid, next: 99 });
    expect(batch.transfers[0]!.state).toBe('offered');
    net.engines.rep.handleMessage({ type: 'file-ack', fid, next: 1 }); // not accepted: ignored
    expect(batch.transfers[0]!.bytes).toBe(0);
  });

  it('a resume for a file this page does not know (offered before a reload) is answered with a cancel', async () => {
    const net = new FakeFileNet();
    net.engines.rep.handleMessage({ type: 'file-resume', fid: 'f_before_reload1', next: 3 });
    expect(net.warnings.rep).toHaveLength(1);
    expect(net.sent.rep.at(-1)).toEqual({ type: 'file-cancel', fid: 'f_before_reload1', reason: 'error' });
  });

  it('the peer page closing ends transfers under way as interrupted on this side; our unanswered offers stay', async () => {
    const net = new FakeFileNet();
    const t = await accepted(net);
    net.engines.customer.handleBulk(encodeFileChunk(t.fid, 0, new Uint8Array(FILE_CHUNK_BYTES)));
    const pending = await net.engines.customer.offer([file('reply.txt', 10, 'text/plain')]);
    net.engines.customer.peerPageClosed();
    expect(t).toMatchObject({ state: 'failed', failure: 'interrupted' });
    expect(pending.transfers[0]!.state).toBe('offered'); // offered again when the peer is back
    expect(net.updates.customer.at(-1)).toMatchObject({ what: 'failed', by: 'auto' });
  });

  it('an offer reusing a file id is refused; the same offer twice is taken once', async () => {
    const net = new FakeFileNet();
    const offer: FileOffer = { type: 'file-offer', id: 'b_offer_0001', files: [{ fid: 'f_file_00001', name: 'a.pdf', size: 1, mime: 'application/pdf', sha256: 'a'.repeat(64) }] };
    const batches: Batch[] = [];
    net.engines.customer.on('batch', (b) => batches.push(b));
    net.engines.customer.handleMessage(offer);
    net.engines.customer.handleMessage(offer);
    expect(batches).toHaveLength(1);
    net.engines.customer.handleMessage({ ...offer, id: 'b_offer_0002' });
    expect(batches).toHaveLength(1);
    expect(net.warnings.customer[0]!.message).toBe('offer reuses a file id');
  });

  it('a flood of offers: past MAX_OPEN_INCOMING the rest are declined as busy', async () => {
    const net = new FakeFileNet();
    for (let i = 0; i < 51; i++) {
      const id = `b_flood_${String(i).padStart(4, '0')}`;
      net.engines.customer.handleMessage({ type: 'file-offer', id, files: [{ fid: `f_${id}`, name: 'x.pdf', size: 1, mime: 'application/pdf', sha256: 'a'.repeat(64) }] });
    }
    const declined = net.updates.customer.filter((u) => u.what === 'declined');
    expect(declined).toHaveLength(1);
    expect(declined[0]!.transfer.declineReason).toBe('busy');
  });
});

it('the receiver sees the batch with the sender’s message', async () => {
  const net = new FakeFileNet();
  const batches: Batch[] = [];
  net.engines.customer.on('batch', (b) => batches.push(b));
  await net.engines.rep.offer([file('a.pdf', 3)], 'see attached');
  await until(() => batches.length === 1);
  expect(batches[0]).toMatchObject({ direction: 'in', text: 'see attached' });
  expect(batches[0]!.transfers.map((t) => t.meta.name)).toEqual(['a.pdf']);
});
