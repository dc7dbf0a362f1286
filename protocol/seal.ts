/**
 * Counter-nonce sealing with nacl.secretbox (XSalsa20-Poly1305), used for signaling
 * payloads and data-channel messages.
 *
 * Frame format: `counter (8 bytes, big-endian) ‖ secretbox(plaintext, nonceFor(counter), key)`.
 *
 * Why a counter instead of random nonces: the receiver can then insist on *exactly* the
 * next counter, which rejects replays, drops and reordering in one comparison (the
 * channels are ordered and reliable, so anything else is an attack or a bug). The counter
 * is also the nonce, so it is authenticated: changing it makes authentication fail.
 *
 * Why this is safe: each key in keys.ts has a single sender, so (key, nonce) never
 * repeats as long as each key gets exactly ONE Sealer. Never build a second Sealer for a
 * key that already sealed something (e.g. after a reconnect): derive new keys instead.
 */
import nacl from 'tweetnacl';
import { ParleyError } from './errors.ts';

/** Bytes of the big-endian counter at the start of each frame. */
export const COUNTER_BYTES = 8;
/** Bytes added by secretbox (the Poly1305 tag). */
export const TAG_BYTES = nacl.secretbox.overheadLength;
/** Total overhead of a frame over its plaintext. */
export const FRAME_OVERHEAD = COUNTER_BYTES + TAG_BYTES;
/** Default largest plaintext an Opener accepts: 256 KiB. */
export const DEFAULT_MAX_PLAINTEXT = 256 * 1024;

const NONCE_BYTES = nacl.secretbox.nonceLength; // 24
const KEY_BYTES = nacl.secretbox.keyLength; // 32

/**
 * The 24-byte secretbox nonce for a counter: 16 zero bytes, then the counter as an 8-byte
 * big-endian integer in the LAST 8 bytes. Unique per counter, and the frame header bytes
 * are exactly the nonce's tail.
 *
 * @throws RangeError if `counter` is not a safe non-negative integer.
 * @example
 * nonceFor(1); // 00 … 00 00 00 00 00 00 00 00 01 (24 bytes)
 */
export function nonceFor(counter: number): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('counter must be a safe non-negative integer');
  const nonce = new Uint8Array(NONCE_BYTES);
  new DataView(nonce.buffer).setBigUint64(NONCE_BYTES - COUNTER_BYTES, BigInt(counter), false);
  return nonce;
}

function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new ParleyError('BAD_KEY', 'secretbox key must be 32 bytes');
  }
  // Copy so a caller wiping or reusing its buffer cannot change our key mid-session.
  return Uint8Array.from(key);
}

/**
 * Seals outgoing messages for one direction of one channel. Counters start at 0.
 *
 * @example
 * const sealer = new Sealer(keys.dataSend);
 * channel.send(sealer.seal(new TextEncoder().encode('hello')));
 */
export class Sealer {
  readonly #key: Uint8Array;
  #counter = 0;

  constructor(key: Uint8Array) {
    this.#key = checkKey(key);
  }

  /** The counter the next frame will carry (= number of frames sealed so far). */
  get counter(): number {
    return this.#counter;
  }

  /**
   * Seal one message into a frame.
   *
   * @throws ParleyError `MALFORMED` if `plaintext` is not a Uint8Array.
   * @example
   * const frame = sealer.seal(Uint8Array.of(1, 2, 3)); // 8 + 16 + 3 bytes
   */
  seal(plaintext: Uint8Array): Uint8Array {
    if (!(plaintext instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'plaintext must be a Uint8Array');
    const nonce = nonceFor(this.#counter); // throws long before 2^53 messages could be sent
    const box = nacl.secretbox(plaintext, nonce, this.#key);
    const frame = new Uint8Array(COUNTER_BYTES + box.length);
    frame.set(nonce.subarray(NONCE_BYTES - COUNTER_BYTES), 0);
    frame.set(box, COUNTER_BYTES);
    this.#counter += 1;
    return frame;
  }
}

/**
 * Opens incoming frames for one direction of one channel, accepting only the next
 * expected counter (starting at 0).
 *
 * @example
 * const opener = new Opener(keys.dataRecv);
 * channel.onmessage = (e) => handle(opener.open(new Uint8Array(e.data)));
 */
export class Opener {
  readonly #key: Uint8Array;
  readonly #maxFrame: number;
  #counter = 0;

  constructor(key: Uint8Array, opts?: { maxPlaintext?: number }) {
    this.#key = checkKey(key);
    const maxPlaintext = opts?.maxPlaintext ?? DEFAULT_MAX_PLAINTEXT;
    if (!Number.isSafeInteger(maxPlaintext) || maxPlaintext < 0) {
      throw new RangeError('maxPlaintext must be a non-negative integer');
    }
    this.#maxFrame = maxPlaintext + FRAME_OVERHEAD;
  }

  /** The counter the next accepted frame must carry (= number of frames opened so far). */
  get counter(): number {
    return this.#counter;
  }

  /**
   * Authenticate and decrypt one frame. On any error the expected counter is unchanged,
   * so garbage injected by an attacker cannot desynchronise the channel.
   *
   * A frame whose counter is not the expected one is still authenticated first: if it
   * fails, that is tampering (`TAMPERED`), and only an authentic frame with the wrong
   * counter is reported as a replay or reordering (`REPLAYED`).
   *
   * @throws ParleyError `MALFORMED` (not bytes, or shorter than 24 bytes),
   *   `PAYLOAD_TOO_LARGE` (over maxPlaintext + 24), `TAMPERED` (authentication failed),
   *   `REPLAYED` (an authentic frame with an old or a future counter).
   * @example
   * const plaintext = opener.open(frame);
   */
  open(frame: Uint8Array): Uint8Array {
    if (!(frame instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'frame must be a Uint8Array');
    if (frame.length < FRAME_OVERHEAD) throw new ParleyError('MALFORMED', 'frame too short');
    if (frame.length > this.#maxFrame) throw new ParleyError('PAYLOAD_TOO_LARGE', 'frame too large');

    // The nonce is built from the frame's own header, so any counter (even beyond 2^53)
    // is handled without number conversion, and a forged header simply fails to authenticate.
    const nonce = new Uint8Array(NONCE_BYTES);
    nonce.set(frame.subarray(0, COUNTER_BYTES), NONCE_BYTES - COUNTER_BYTES);
    const plaintext = nacl.secretbox.open(frame.subarray(COUNTER_BYTES), nonce, this.#key);
    if (plaintext === null) throw new ParleyError('TAMPERED', 'frame failed authentication');

    const got = new DataView(frame.buffer, frame.byteOffset, COUNTER_BYTES).getBigUint64(0, false);
    const expected = BigInt(this.#counter);
    if (got < expected) throw new ParleyError('REPLAYED', `replayed frame: counter ${got}, expected ${expected}`);
    if (got > expected) {
      throw new ParleyError('REPLAYED', `reordered or dropped frame: counter ${got}, expected ${expected}`);
    }
    this.#counter += 1;
    return plaintext;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Seal a JSON-serialisable value as UTF-8 JSON.
 *
 * @throws ParleyError `MALFORMED` if the value has no JSON form (undefined, a function,
 *   a BigInt, a cycle).
 * @example
 * channel.send(sealJson(sealer, { type: 'chat', text: 'hi' }));
 */
export function sealJson(sealer: Sealer, value: unknown): Uint8Array {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new ParleyError('MALFORMED', 'value is not JSON-serialisable', { cause });
  }
  if (json === undefined) throw new ParleyError('MALFORMED', 'value is not JSON-serialisable');
  return sealer.seal(encoder.encode(json));
}

/**
 * Open a frame and parse it as UTF-8 JSON. The result is `unknown`: validate it (valibot
 * schemas in signaling.ts) before use. An authentic frame that is not valid JSON still
 * consumes its counter, since it did arrive in order.
 *
 * @throws ParleyError as {@link Opener.open}, or `MALFORMED` for invalid UTF-8 or JSON.
 * @example
 * const msg = openJson(opener, frame); // unknown
 */
export function openJson(opener: Opener, frame: Uint8Array): unknown {
  const bytes = opener.open(frame);
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new ParleyError('MALFORMED', 'sealed payload is not UTF-8 JSON', { cause });
  }
}
