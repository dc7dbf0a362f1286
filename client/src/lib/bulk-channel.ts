/**
 * BulkChannel: a second data channel for file chunks, with its own directional keys and
 * counters, so large transfers never queue behind (or stall) chat and control messages.
 *
 * Both sides open it as a pre-negotiated channel with a fixed id once the first channel is
 * up, so it needs no extra offer/answer. Frames are sealed like the main channel's (seal.ts):
 * a frame that fails to open is an attack and ends the link.
 *
 * Backpressure: `send` resolves only once the browser's send buffer is under the low-water
 * mark, so a sender that awaits each call never holds more than HIGH_WATER bytes in memory.
 */
import { ParleyError } from '@protocol/errors.ts';
import { MAX_BULK_PLAINTEXT } from '@protocol/limits.ts';
import { Opener, Sealer } from '@protocol/seal.ts';

/** Channel id of the bulk channel. The first (simple-peer) channel gets 0 or 1 from the stack. */
export const BULK_CHANNEL_ID = 100;
/** Above this many buffered bytes, `send` waits for the buffer to drain. */
export const HIGH_WATER = 1024 * 1024;
/** …down to this level (the channel's `bufferedAmountLowThreshold`). */
export const LOW_WATER = 256 * 1024;

export interface BulkChannelOptions {
  sendKey: Uint8Array;
  recvKey: Uint8Array;
  /** An opened frame; called only while `accepting()` is true. */
  onFrame: (plaintext: Uint8Array) => void;
  /** Whether frames may arrive now (not before the link is verified). */
  accepting: () => boolean;
  /** A frame failed authentication or came too early: the link must end. */
  onFatal: (err: ParleyError) => void;
}

export class BulkChannel {
  private readonly sealer: Sealer;
  private readonly opener: Opener;
  private drainWaiters: Array<{ resolve: () => void; reject: (err: ParleyError) => void }> = [];
  private closed = false;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly options: BulkChannelOptions,
  ) {
    this.sealer = new Sealer(options.sendKey);
    this.opener = new Opener(options.recvKey, { maxPlaintext: MAX_BULK_PLAINTEXT });
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = LOW_WATER;
    channel.addEventListener('bufferedamountlow', () => this.wakeSenders());
    channel.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    channel.addEventListener('close', () => this.close());
  }

  /** Opens the bulk channel on a connected RTCPeerConnection (both sides call this). */
  static open(pc: RTCPeerConnection, options: BulkChannelOptions): BulkChannel {
    const channel = pc.createDataChannel('parley-bulk', { negotiated: true, id: BULK_CHANNEL_ID, ordered: true });
    return new BulkChannel(channel, options);
  }

  /**
   * Seals and sends one frame; resolves when the channel can take more.
   * @throws ParleyError `PAYLOAD_TOO_LARGE` over MAX_BULK_PLAINTEXT, `PEER_GONE` once closed.
   */
  async send(plaintext: Uint8Array): Promise<void> {
    if (plaintext.length > MAX_BULK_PLAINTEXT) throw new ParleyError('PAYLOAD_TOO_LARGE', 'bulk frame too large');
    await this.whenOpen();
    if (this.closed) throw new ParleyError('PEER_GONE', 'bulk channel closed');
    try {
      this.channel.send(this.sealer.seal(plaintext) as Uint8Array<ArrayBuffer>);
    } catch (err) {
      throw new ParleyError('PEER_GONE', `bulk send failed: ${String(err)}`);
    }
    if (this.channel.bufferedAmount > HIGH_WATER) await this.drained();
  }

  /** Bytes queued in the browser and not yet on the wire. */
  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.channel.close();
    } catch {
      // the connection is already gone
    }
    const gone = new ParleyError('PEER_GONE', 'bulk channel closed');
    for (const waiter of this.drainWaiters.splice(0)) waiter.reject(gone);
  }

  private whenOpen(): Promise<void> {
    if (this.channel.readyState === 'open' || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.channel.removeEventListener('open', done);
        this.channel.removeEventListener('close', done);
        resolve();
      };
      this.channel.addEventListener('open', done);
      this.channel.addEventListener('close', done);
    });
  }

  private drained(): Promise<void> {
    if (this.closed) return Promise.reject(new ParleyError('PEER_GONE', 'bulk channel closed'));
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  private wakeSenders(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    let plaintext: Uint8Array;
    try {
      if (!(data instanceof ArrayBuffer)) throw new ParleyError('MALFORMED', 'bulk frame is not binary');
      if (!this.options.accepting()) throw new ParleyError('MALFORMED', 'bulk frame before verification');
      plaintext = this.opener.open(new Uint8Array(data));
    } catch (err) {
      this.close();
      this.options.onFatal(err instanceof ParleyError ? err : new ParleyError('MALFORMED', String(err)));
      return;
    }
    // What the frame *means* is the file engine's business: its errors are not attacks on the link.
    this.options.onFrame(plaintext);
  }
}
