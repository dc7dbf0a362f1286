/**
 * The sender's loop: one chunk of each accepted file in turn (round robin, so several files
 * share the link fairly), each handed to the bulk channel only when the previous send said the
 * channel can take more. At most one loop runs; a new link starts a new one, so a loop stuck on
 * a dead link's send can never block the files.
 */
import { ParleyError } from '@protocol/errors.ts';
import { MAX_FILE_FRAME_BYTES, encodeFileChunk } from '@protocol/file.ts';
import type { OutgoingFile } from './outgoing.ts';
import { FINAL_STATES } from './types.ts';

/**
 * Chunks of one file that may be sent and not yet acknowledged (128 × 64 kB ≈ 8 MB). The
 * browser's data channel has no backpressure from the receiving page: a receiver slower than the
 * network (a weak device, a busy CPU) used to let received chunks pile up in its memory, +205 MB
 * for 200 MB on the development machine. The receiver acknowledges every FILE_ACK_EVERY chunks it
 * has taken in, so this bounds what it holds.
 */
export const SEND_WINDOW_CHUNKS = 128;

export interface SendLoopHost {
  sendBulk(plaintext: Uint8Array): Promise<void>;
  /** Whether sending may go on (link up, engine open). */
  canSend(): boolean;
  /** The outgoing files, in the order they were offered. */
  outgoing(): Iterable<OutgoingFile>;
  /** Every chunk of `t` went out (the receiver's verdict is awaited). */
  allSent(t: OutgoingFile): void;
  /** `t` could not be read or framed: it fails. */
  unreadable(t: OutgoingFile): void;
}

export class SendLoop {
  private generation = 0;
  private running = false;
  private lastServed: string | null = null;

  constructor(private readonly host: SendLoopHost) {}

  /** Starts the loop if it is not running (a file was accepted or resumed). */
  kick(): void {
    void this.run();
  }

  /** Forgets a loop that may be stuck on the old link and starts afresh. */
  restart(): void {
    this.generation += 1;
    this.running = false;
    this.kick();
  }

  /** Stops for good (the engine closed): the running loop ends at its next step. */
  stop(): void {
    this.generation += 1;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const generation = this.generation;
    const current = () => generation === this.generation;
    // One frame buffer for every chunk of this loop: the bulk channel has taken a frame's bytes
    // by the time its send resolves (sealing copies them), and the loop awaits each send.
    const frame = new Uint8Array(MAX_FILE_FRAME_BYTES);
    try {
      while (current() && this.host.canSend()) {
        const t = this.next();
        if (!t) break;
        const index = t.next;
        let data: Uint8Array;
        try {
          data = await t.reader.read(index);
        } catch {
          if (current() && t.state === 'active') this.host.unreadable(t);
          continue;
        }
        if (!current()) return;
        if (t.state !== 'active' || t.next !== index) continue; // cancelled or resumed meanwhile
        t.next = index + 1;
        t.sentHigh = Math.max(t.sentHigh, t.next);
        if (t.next >= t.chunks) this.host.allSent(t);
        try {
          await this.host.sendBulk(encodeFileChunk(t.fid, index, data, frame));
        } catch (err) {
          if (err instanceof ParleyError && err.code === 'PEER_GONE') break; // the link event pauses everything
          if (current() && !FINAL_STATES.has(t.state)) this.host.unreadable(t);
        }
      }
    } finally {
      if (current()) this.running = false;
    }
  }

  /** The next active file within its send window after the last one served: a fair share each. */
  private next(): OutgoingFile | undefined {
    // A file whose window is full waits: its next acknowledgement kicks the loop again.
    const active = [...this.host.outgoing()].filter((t) => t.state === 'active' && t.next - t.acked < SEND_WINDOW_CHUNKS);
    if (active.length === 0) return undefined;
    const last = active.findIndex((t) => t.fid === this.lastServed);
    const t = active[(last + 1) % active.length]!;
    this.lastServed = t.fid;
    return t;
  }
}
