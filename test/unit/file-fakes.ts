/**
 * An in-memory link pair for the file transfer engine: control messages go through a JSON
 * round trip and the real validator (as the sealed data channel would deliver them), bulk frames
 * are copied, and both arrive asynchronously and in order. The link can be dropped (everything in
 * flight is lost, sends fail with PEER_GONE, each engine is told) and restored, and every packet
 * can be inspected or altered on the way.
 */
import { FileTransfers } from '../../client/src/lib/files/engine.ts';
import type { HashFactory } from '../../client/src/lib/files/hash-file.ts';
import type { FileLink, TransferUpdate } from '../../client/src/lib/files/types.ts';
import type { Role } from '../../protocol/cpace.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { parseFileMessage, readFileFrame, type FileMessage } from '../../protocol/file.ts';
import { DEFAULT_FILE_POLICY, type FilePolicy } from '../../protocol/file-policy.ts';

export type Packet = { kind: 'message'; message: FileMessage } | { kind: 'bulk'; frame: Uint8Array };

/** Decides what happens to a packet in transit: deliver it (possibly changed) or drop it (null). */
export type Interceptor = (packet: Packet, from: Role) => Packet | null;

class FakeFileLink implements FileLink {
  constructor(
    private readonly net: FakeFileNet,
    private readonly from: Role,
  ) {}

  sendFileMessage(message: FileMessage): void {
    if (!this.net.up) throw new ParleyError('PEER_GONE', 'link down');
    this.net.sent[this.from].push(structuredClone(message));
    this.net.deliver(this.from, { kind: 'message', message: JSON.parse(JSON.stringify(message)) as FileMessage });
  }

  sendBulk(plaintext: Uint8Array): Promise<void> {
    if (!this.net.up) return Promise.reject(new ParleyError('PEER_GONE', 'link down'));
    this.net.bulkSent[this.from] += 1;
    this.net.deliver(this.from, { kind: 'bulk', frame: plaintext.slice() });
    // Backpressure: the channel takes more once this frame has been handed over.
    return new Promise((resolve, reject) => {
      const epoch = this.net.epoch;
      setImmediate(() => (this.net.up && this.net.epoch === epoch ? resolve() : reject(new ParleyError('PEER_GONE', 'link dropped'))));
    });
  }
}

export class FakeFileNet {
  up = true;
  epoch = 0;
  readonly engines: Record<Role, FileTransfers>;
  readonly updates: Record<Role, TransferUpdate[]> = { rep: [], customer: [] };
  readonly warnings: Record<Role, ParleyError[]> = { rep: [], customer: [] };
  /** Control messages each side sent, in order. */
  readonly sent: Record<Role, FileMessage[]> = { rep: [], customer: [] };
  readonly bulkSent: Record<Role, number> = { rep: 0, customer: 0 };
  /** Fids of the chunks each side received, in arrival order. */
  readonly chunkLog: Record<Role, string[]> = { rep: [], customer: [] };
  intercept: Interceptor = (packet) => packet;

  constructor(policies: Partial<Record<Role, FilePolicy>> = {}, hashing: Partial<Record<Role, HashFactory>> = {}) {
    const make = (role: Role) => {
      const engine = new FileTransfers({ link: new FakeFileLink(this, role), role, policy: policies[role] ?? DEFAULT_FILE_POLICY, createHash: hashing[role] });
      engine.on('update', (u) => this.updates[role].push({ ...u }));
      engine.on('warning', (w) => this.warnings[role].push(w));
      return engine;
    };
    this.engines = { rep: make('rep'), customer: make('customer') };
  }

  deliver(from: Role, packet: Packet): void {
    const to: Role = from === 'rep' ? 'customer' : 'rep';
    const epoch = this.epoch;
    setImmediate(() => {
      if (!this.up || this.epoch !== epoch) return; // lost with the link
      const out = this.intercept(packet, from);
      if (!out) return;
      if (out.kind === 'message') {
        this.engines[to].handleMessage(parseFileMessage(out.message));
      } else {
        try {
          this.chunkLog[to].push(readFileFrame(out.frame).fid);
        } catch {
          // a malformed frame: the engine reports it
        }
        this.engines[to].handleBulk(out.frame);
      }
    });
  }

  /** The link drops: everything in flight is lost; both engines are told. */
  drop(): void {
    this.up = false;
    this.epoch += 1;
    this.engines.rep.handleLink(false);
    this.engines.customer.handleLink(false);
  }

  /** A new link is verified. */
  restore(): void {
    this.up = true;
    this.engines.rep.handleLink(true);
    this.engines.customer.handleLink(true);
  }

  /** What `role` was told, as `what:by` strings, for one file name. */
  story(role: Role, name: string): string[] {
    return this.updates[role].filter((u) => u.transfer.meta.name === name).map((u) => `${u.what}:${u.by}`);
  }
}

/** Waits until `check` holds, letting I/O and timers run (fails after a few seconds). */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets everything pending run. */
export async function quiet(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Random bytes (crypto.getRandomValues takes at most 64 KiB at a time). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65_536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)));
  return out;
}

export function file(name: string, bytes: Uint8Array | number, type = 'application/pdf'): File {
  const data = typeof bytes === 'number' ? randomBytes(bytes) : bytes;
  return new File([data as BlobPart], name, { type });
}
