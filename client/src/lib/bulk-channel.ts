/**
 * BulkChannel: a second data channel for file chunks, with its own directional keys and
 * counters, so large transfers never queue behind (or stall) chat and control messages.
 *
 * Both sides open it as a pre-negotiated channel with a fixed id once the first channel is
 * up, so it needs no extra offer/answer. Frames are sealed with AES-256-GCM under implicit
 * counters (protocol/bulk-seal.ts: the channel is ordered, frame n has counter n): a frame that
 * fails to open is an attack and ends the link.
 *
 * Sealing and opening are asynchronous (Web Crypto: bulk-crypto.ts) and pipelined: `send`
 * hands a chunk to sealing and returns at once while the bytes being sealed plus the browser's
 * send buffer stay under HIGH_WATER; sealed frames go out in order as they come back. Received
 * frames are opened in order and handed on in order.
 *
 * Backpressure: `send` resolves only once sealing and the send buffer together hold at most
 * HIGH_WATER bytes, so a sender that awaits each call never holds more than that in memory.
 */
import { ParleyError } from '@protocol/errors.ts';
import { MAX_BULK_PLAINTEXT } from '@protocol/limits.ts';
import { gcmBulkCrypto, type BulkCrypto, type BulkKeys } from './bulk-crypto.ts';

/** Channel id of the bulk channel. The first (simple-peer) channel gets 0 or 1 from the stack. */
export const BULK_CHANNEL_ID = 100;
/**
 * Above this many buffered bytes, `send` waits for the buffer to drain. Small on purpose: with
 * 4 MB the first transfer on a connection stalled for 1.5–3.9 s. In the first 250 ms Chromium
 * had discarded 340–430 packets on send (`packetsDiscardedOnSend` in getStats), and SCTP
 * recovered from that many lost packets only through retransmission timeouts. Likely cause: the
 * browser's SCTP sends what is queued in one burst as far as its congestion window allows, and
 * the browser's send path drops what it cannot take (a fresh connection, with a small window,
 * never stalled). Measured with a bare channel on a session's connection: 4 MB stalled
 * 3.0–3.9 s, 2 MB 1.4–1.8 s, 1 MB 1.3–3.0 s, 512 kB no pause over 0.5 s; packets are still
 * discarded, a few at a time, and fast retransmit mends them (files bench, 2026-11-24).
 * Chromium closes a channel whose buffer passes 16 MB.
 */
export const HIGH_WATER = 512 * 1024;
/**
 * …down to this level (the channel's `bufferedAmountLowThreshold`). 128 kB lasts ~4 ms at
 * 35 MB/s: enough now that sealing is native (~50 µs a chunk) and the file is read a 1 MB block
 * ahead, so the next chunks are ready when the channel asks.
 */
export const LOW_WATER = 128 * 1024;

export interface BulkChannelOptions {
  sendKey: Uint8Array;
  recvKey: Uint8Array;
  /** An opened frame; called only while `accepting()` is true. */
  onFrame: (plaintext: Uint8Array) => void;
  /** Whether frames may arrive now (not before the link is verified). */
  accepting: () => boolean;
  /** Where frames are sealed and opened: Web Crypto's AES-GCM unless given (tests). */
  crypto?: (keys: BulkKeys) => BulkCrypto;
  /** A frame failed authentication or came too early: the link must end. */
  onFatal: (err: ParleyError) => void;
}

export class BulkChannel {
  private readonly crypto: BulkCrypto;
  private drainWaiters: Array<{ resolve: () => void; reject: (err: ParleyError) => void }> = [];
  private closed = false;
  /** Plaintext bytes handed to sealing and not yet given to the channel. */
  private sealing = 0;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly options: BulkChannelOptions,
  ) {
    this.crypto = (options.crypto ?? gcmBulkCrypto)({ sendKey: options.sendKey, recvKey: options.recvKey, maxPlaintext: MAX_BULK_PLAINTEXT });
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
   * Seals and sends one frame; resolves when the channel can take more. By then the bytes have
   * been taken (sealing copies them): the caller may reuse its buffer.
   * @throws ParleyError `PAYLOAD_TOO_LARGE` over MAX_BULK_PLAINTEXT, `PEER_GONE` once closed.
   */
  async send(plaintext: Uint8Array): Promise<void> {
    if (plaintext.length > MAX_BULK_PLAINTEXT) throw new ParleyError('PAYLOAD_TOO_LARGE', 'bulk frame too large');
    await this.whenOpen();
    if (this.closed) throw new ParleyError('PEER_GONE', 'bulk channel closed');
    const size = plaintext.length;
    this.sealing += size;
    // Sealed in order and sent in order: sealing results resolve in the order of the calls.
    this.crypto.seal(plaintext).then(
      (frame) => {
        this.sealing -= size;
        if (this.closed) return;
        try {
          this.channel.send(frame as Uint8Array<ArrayBuffer>);
        } catch {
          // The link is going: a later chunk's send (or its wait) reports PEER_GONE.
          this.close();
          return;
        }
        if (this.backlog() <= HIGH_WATER) this.wakeSenders();
      },
      () => {
        this.sealing -= size;
        this.close();
      },
    );
    if (this.backlog() > HIGH_WATER) await this.drained();
  }

  /** Bytes being sealed plus bytes the browser has not sent yet. */
  private backlog(): number {
    return this.sealing + this.channel.bufferedAmount;
  }

  /** Bytes queued in the browser and not yet on the wire. */
  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.crypto.close();
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
    if (this.backlog() > HIGH_WATER) return; // sealing still holds more than the buffer lost
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    if (!(data instanceof ArrayBuffer)) return this.fatal(new ParleyError('MALFORMED', 'bulk frame is not binary'));
    if (!this.options.accepting()) return this.fatal(new ParleyError('MALFORMED', 'bulk frame before verification'));
    // Opened in order, handed on in order; what a frame *means* is the file engine's business:
    // its errors are not attacks on the link.
    this.crypto.open(data).then(
      (plaintext) => {
        if (!this.closed) this.options.onFrame(plaintext);
      },
      (err: unknown) => this.fatal(err instanceof ParleyError ? err : new ParleyError('MALFORMED', String(err))),
    );
  }

  /** A frame failed authentication or came too early: the link must end. */
  private fatal(err: ParleyError): void {
    if (this.closed) return;
    this.close();
    this.options.onFatal(err);
  }
}
