/**
 * Counter-nonce sealing of bulk-channel frames (file chunks) with AES-256-GCM from the
 * platform's Web Crypto API (browsers, Node).
 *
 * Frame format: `AES-256-GCM(plaintext) ‖ tag (16 bytes)`, exactly what Web Crypto returns. The
 * 12-byte IV is 4 zero bytes followed by the frame's counter (big-endian), which is not sent:
 * the bulk channel is reliable and ordered, so the receiver knows it (frame n of the link has
 * counter n). A frame opened under any other counter (replayed, reordered, dropped before it)
 * fails authentication like a changed byte does. Sending the counter would cost a new frame and
 * a 64 kB copy per chunk, and tell the receiver nothing it does not know.
 *
 * Why not secretbox here: tweetnacl's XSalsa20-Poly1305 runs in JavaScript at ~70 MB/s on the
 * development machine; sealing and opening every chunk cost the two pages about a third of the
 * CPU a bare data channel needed to move the same bytes, and held encrypted file throughput to
 * ~55% of raw. Web Crypto's AES-GCM is native (AES-NI): in Chromium it runs within the call, on
 * the page's thread, at about 50 µs for a 64 kB frame, copies included (1.2 GB/s). Chat and
 * signaling keep secretbox: their messages are small.
 *
 * Why this is safe: each bulk key has a single sender and exactly ONE BulkSealer (a new link
 * derives new keys: keys.ts), so (key, IV) never repeats; 2^64 counters are far beyond any
 * session. The bulk keys are used with this cipher only.
 *
 * Both classes are asynchronous but keep order: results resolve in the order of the calls,
 * whatever order the browser settles them in.
 */
import { ParleyError } from './errors.ts';
import { subtle } from './web-crypto.ts';

/** Bytes of the GCM tag at the end of each frame: a frame's whole overhead over its plaintext. */
export const BULK_FRAME_OVERHEAD = 16;

const IV_BYTES = 12;
const KEY_BYTES = 32;

/** The 12-byte IV of frame number `counter`: 4 zero bytes, then the counter (big-endian). */
function ivFor(counter: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(IV_BYTES);
  new DataView(iv.buffer).setBigUint64(IV_BYTES - 8, BigInt(counter), false);
  return iv;
}

/**
 * An AES-GCM key being imported. `run` starts an operation at once when the key is ready: Web
 * Crypto copies its input during the call, so the caller's bytes are taken as they are now.
 * Before that (the first frame of a link) the input is copied first.
 */
class GcmKey {
  #ready: CryptoKey | null = null;
  readonly #importing: Promise<CryptoKey>;

  constructor(key: Uint8Array, usage: 'encrypt' | 'decrypt') {
    if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new ParleyError('BAD_KEY', 'bulk key must be 32 bytes');
    // importKey copies the bytes: a caller wiping or reusing its buffer cannot change our key.
    this.#importing = subtle().importKey('raw', Uint8Array.from(key), 'AES-GCM', false, [usage]);
    this.#importing.then((k) => (this.#ready = k), () => {});
  }

  run(op: (key: CryptoKey, data: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>, data: Uint8Array): Promise<ArrayBuffer> {
    if (this.#ready) return op(this.#ready, data as Uint8Array<ArrayBuffer>);
    const copy = data.slice();
    return this.#importing.then((key) => op(key, copy));
  }
}

/** Frame counters of one direction: the next one, and a check that it stays exact. */
function nextCounter(counter: number): number {
  if (!Number.isSafeInteger(counter + 1)) throw new RangeError('bulk counter exhausted');
  return counter + 1;
}

/**
 * Seals outgoing bulk frames for one direction of one link. Counters start at 0.
 *
 * @example
 * const sealer = new BulkSealer(keys.bulkSend);
 * channel.send(await sealer.seal(chunk));
 */
export class BulkSealer {
  readonly #key: GcmKey;
  #counter = 0;
  /** The last frame handed out: each result waits for the one before it. */
  #tail: Promise<unknown> = Promise.resolve();

  /** @throws ParleyError `BAD_KEY` if `key` is not 32 bytes. */
  constructor(key: Uint8Array) {
    this.#key = new GcmKey(key, 'encrypt');
  }

  /** Frames sealed so far (= the counter of the next one). */
  get counter(): number {
    return this.#counter;
  }

  /**
   * Seals one frame; results resolve in call order. The frame is Web Crypto's own output: no
   * copy is made of it.
   * @throws ParleyError `MALFORMED` (synchronously) if `plaintext` is not a Uint8Array.
   */
  seal(plaintext: Uint8Array): Promise<Uint8Array> {
    if (!(plaintext instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'plaintext must be a Uint8Array');
    const iv = ivFor(this.#counter);
    this.#counter = nextCounter(this.#counter);
    // Started at once (a browser may work on several); handed out in order.
    const sealed = this.#key.run((key, data) => subtle().encrypt({ name: 'AES-GCM', iv }, key, data), plaintext);
    const frame = this.#tail.then(() => sealed).then((box) => new Uint8Array(box));
    this.#tail = frame.catch(() => {});
    return frame;
  }
}

/**
 * Opens incoming bulk frames for one direction of one link: frame n is opened under counter n
 * (starting at 0).
 *
 * A frame that is replayed, reordered, or follows a dropped one is opened under the wrong
 * counter and fails authentication: `TAMPERED`, as for a changed byte. After a frame fails, the
 * stream is broken (which counter the sender meant is unknowable) and every later frame is
 * refused with the same error: the link must end (bulk-channel.ts ends it).
 */
export class BulkOpener {
  readonly #key: GcmKey;
  readonly #maxFrame: number;
  /** Frames handed to `open` so far: frame n is opened under counter n. */
  #calls = 0;
  /** Frames opened successfully so far. */
  #opened = 0;
  /** The first frame that failed, and why: it and every later frame are refused with that. */
  #broken: { at: number; error: ParleyError } | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  /** @throws ParleyError `BAD_KEY` if `key` is not 32 bytes; RangeError for a bad maxPlaintext. */
  constructor(key: Uint8Array, opts: { maxPlaintext: number }) {
    if (!Number.isSafeInteger(opts.maxPlaintext) || opts.maxPlaintext < 0) throw new RangeError('maxPlaintext must be a non-negative integer');
    this.#key = new GcmKey(key, 'decrypt');
    this.#maxFrame = opts.maxPlaintext + BULK_FRAME_OVERHEAD;
  }

  /** Frames opened so far (= the counter the next one must have been sealed with). */
  get counter(): number {
    return this.#opened;
  }

  /**
   * Authenticates and decrypts the next frame; results (and rejections) come in call order.
   * Rejects with ParleyError `MALFORMED` (not bytes, or shorter than the 16-byte tag),
   * `PAYLOAD_TOO_LARGE` (over maxPlaintext + 16), `TAMPERED` (authentication failed: a changed
   * byte, another key, or a replayed, reordered or missing frame); once a frame has failed,
   * every later frame is refused with that frame's error.
   */
  open(frame: Uint8Array): Promise<Uint8Array> {
    const at = this.#calls;
    this.#calls = nextCounter(at);
    const refused = this.#broken?.error ?? this.#check(frame);
    if (refused) this.#fail(at, refused);
    const opened = refused
      ? Promise.reject(refused)
      : this.#key.run((key, data) => subtle().decrypt({ name: 'AES-GCM', iv: ivFor(at) }, key, data), frame).then(
          (plain) => new Uint8Array(plain),
          (err: unknown) => Promise.reject(this.#fail(at, openFailure(err))),
        );
    opened.catch(() => {}); // reported in order below
    // By the time a frame's turn comes, every earlier frame has settled: a failure among them
    // breaks this one too, even if it opened (it may have been decrypted first).
    const result = this.#tail.then(() => opened).then((plaintext) => {
      if (this.#broken && this.#broken.at < at) throw this.#broken.error;
      this.#opened += 1;
      return plaintext;
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  /** Records that frame `at` failed (the earliest failure wins) and returns the error to report. */
  #fail(at: number, error: ParleyError): ParleyError {
    if (!this.#broken || at < this.#broken.at) this.#broken = { at, error };
    return error;
  }

  #check(frame: Uint8Array): ParleyError | null {
    if (!(frame instanceof Uint8Array)) return new ParleyError('MALFORMED', 'frame must be a Uint8Array');
    if (frame.length < BULK_FRAME_OVERHEAD) return new ParleyError('MALFORMED', 'frame too short');
    if (frame.length > this.#maxFrame) return new ParleyError('PAYLOAD_TOO_LARGE', 'frame too large');
    return null;
  }
}

/**
 * Web Crypto says OperationError for a tag that does not match; anything else (no key, no Web
 * Crypto) is a failure of this browser, not an attack.
 */
function openFailure(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  if ((err as { name?: unknown } | null)?.name === 'OperationError') {
    return new ParleyError('TAMPERED', 'bulk frame failed authentication (changed, replayed, reordered or after a lost frame)');
  }
  return new ParleyError('CONNECTION_FAILED', `bulk frame could not be opened: ${String(err)}`);
}
