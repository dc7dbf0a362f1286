/**
 * CPace password-authenticated key exchange, cipher suite CPACE-RISTR255-SHA512,
 * as specified in draft-irtf-cfrg-cpace-21 (April 2026, the latest revision at the
 * time of writing): https://datatracker.ietf.org/doc/draft-irtf-cfrg-cpace/
 *
 * Why CPace: the session code's secret part is short (≥ 20 bits). A PAKE lets the two
 * browsers turn it into a strong key while an attacker who runs or watches the signaling
 * server gets at most one online guess per run and nothing to attack offline.
 *
 * Parley runs CPace in the draft's *initiator-responder* mode with fixed roles: the rep
 * is always party A (initiator) and the customer always party B (responder). Each side's
 * associated data (AD) is its role label, so a message can never be accepted in the
 * other role; fixing one role per party and per (password, sid) is also the draft's
 * recommended defence against loop-back (reflection) attacks (section 10.1.2). We add an
 * explicit byte-for-byte reflection check on top.
 *
 * Explicit key confirmation follows section 10.4 of the draft:
 *   mac_key = SHA-512(b"CPaceMac" || sid || ISK)
 *   Ta = HMAC-SHA512(mac_key, lv_cat(Ya, ADa)),  Tb = HMAC-SHA512(mac_key, lv_cat(Yb, ADb))
 * Note: DESIGN.md writes the MAC input as `Y_own‖AD_own`; the draft length-prefixes the
 * two fields with lv_cat. We follow the draft (the lv_cat form is unambiguous).
 *
 * The draft's ristretto255 test vectors (appendix B.3) are checked in test/unit/cpace.test.ts.
 * No primitive is hand-rolled: group arithmetic, element derivation and hashes come from
 * @noble/curves and @noble/hashes.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { equalBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from './errors.ts';

/** Which side of a support session we are. The rep is always CPace party A (initiator). */
export type Role = 'rep' | 'customer';

/** Size in bytes of an encoded ristretto255 element (a CPace message Y). */
export const CPACE_MESSAGE_BYTES = 32;

/** Size in bytes of the key-confirmation MAC (HMAC-SHA512). */
export const CPACE_MAC_BYTES = 64;

const Point = ristretto255.Point;
type RistrettoPoint = InstanceType<typeof Point>;
const Fn = Point.Fn;

/** G.DSI for ristretto255 (draft section 8.3). */
const DSI = utf8ToBytes('CPaceRistretto255');
/** DSI for the ISK hash: G.DSI || b"_ISK" (draft section 7.2). */
const DSI_ISK = utf8ToBytes('CPaceRistretto255_ISK');
/** Prefix of the key-confirmation MAC key (draft section 10.4). */
const MAC_PREFIX = utf8ToBytes('CPaceMac');
/** SHA-512 input block size, H.s_in_bytes in the draft. */
const SHA512_BLOCK_BYTES = 128;

/**
 * The other role. Used to know whose AD and Y we expect from the peer.
 *
 * @example
 * peerRole('rep'); // 'customer'
 */
export function peerRole(role: Role): Role {
  return role === 'rep' ? 'customer' : 'rep';
}

/**
 * UTF-8 bytes of the role label, used as CPace associated data (ADa for the rep, ADb for
 * the customer). Throws for anything but the two known roles, because JavaScript callers
 * could pass any string and a typo must not silently produce a third "role".
 *
 * @throws ParleyError `MALFORMED` for an unknown role.
 * @example
 * roleLabel('rep'); // Uint8Array [0x72, 0x65, 0x70]
 */
export function roleLabel(role: Role): Uint8Array {
  if (role !== 'rep' && role !== 'customer') throw new ParleyError('MALFORMED', 'unknown role');
  return utf8ToBytes(role);
}

/**
 * prepend_len from the draft (appendix A.1.1): the LEB128-encoded length followed by the bytes.
 *
 * @example
 * prependLen(utf8ToBytes('1234')); // 04 31 32 33 34
 */
export function prependLen(data: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = data.length;
  // LEB128: 7 bits per byte, least significant group first, bit 7 set while more follow.
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return concatBytes(Uint8Array.from(len), data);
}

/**
 * lv_cat from the draft (appendix A.1.3): each argument length-prefixed, then concatenated.
 * The result is a prefix-free encoding, which is what makes hashing it safe.
 *
 * @example
 * lvCat(utf8ToBytes('1234'), utf8ToBytes('5'), new Uint8Array(0), utf8ToBytes('678'));
 * // 04 31323334 01 35 00 03 363738
 */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/**
 * generator_string from the draft (appendix A.2), for SHA-512 (s_in_bytes = 128):
 * lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid). The zero padding makes DSI+PRS fill
 * the first hash block, so that block does not depend on session data and its
 * processing time does not depend on a short password's length.
 *
 * @example
 * generatorString(utf8ToBytes('Password'), ci, sid).length; // 170 for the draft's B.3.1 inputs
 */
export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const lenZpad = Math.max(0, SHA512_BLOCK_BYTES - 1 - prependLen(prs).length - prependLen(DSI).length);
  return lvCat(DSI, prs, new Uint8Array(lenZpad), ci, sid);
}

/**
 * G.calculate_generator for ristretto255 (draft section 8.3): SHA-512 of the generator
 * string (64 bytes), then the RFC 9496 element derivation. That is noble's
 * `deriveToCurve`, NOT `hashToCurve` (which is RFC 9380's expand_message_xmd construction
 * and would give a different, incompatible generator).
 *
 * @example
 * calculateGenerator(utf8ToBytes('Password'), ci, sid).toBytes(); // 222b6b19… for B.3.1
 */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): RistrettoPoint {
  const derive = ristretto255_hasher.deriveToCurve;
  // deriveToCurve is optional in noble's generic hasher type; ristretto255 always has it.
  if (derive === undefined) throw new Error('@noble/curves lacks ristretto255 deriveToCurve');
  return derive(sha512(generatorString(prs, ci, sid)));
}

/**
 * G.scalar_mult_vfy for ristretto255 (draft section 8.3): decode X, multiply, and return
 * the encoding of y·X. Unlike the draft, which returns the identity encoding G.I on
 * failure, this throws, so no caller can forget to check: it is the draft's "MUST abort".
 * Exported so the draft's test vectors can check K; protocol code keeps K internal
 * (the draft forbids exposing it, section 10.3).
 *
 * @throws ParleyError `BAD_KEY` if X has the wrong length, is not a canonical encoding,
 *   or y·X is the identity.
 * @example
 * scalarMultVfy(ya, Yb); // K, 32 bytes
 */
export function scalarMultVfy(scalar: bigint, encoded: Uint8Array): Uint8Array {
  return multiplyChecked(scalar, decodeElement(encoded)).toBytes();
}

/**
 * ISK = SHA-512(lv_cat(G.DSI || b"_ISK", sid, K) || transcript_ir(Ya, ADa, Yb, ADb))
 * (draft section 7.2, initiator-responder transcript from appendix A.3.4).
 *
 * @example
 * computeIsk(sid, K, Ya, utf8ToBytes('rep'), Yb, utf8ToBytes('customer')); // 64 bytes
 */
export function computeIsk(
  sid: Uint8Array,
  k: Uint8Array,
  ya: Uint8Array,
  adA: Uint8Array,
  yb: Uint8Array,
  adB: Uint8Array,
): Uint8Array {
  return sha512(concatBytes(lvCat(DSI_ISK, sid, k), lvCat(ya, adA), lvCat(yb, adB)));
}

/**
 * The explicit key-confirmation tag of one party (draft section 10.4):
 * HMAC-SHA512(SHA-512(b"CPaceMac" || sid || ISK), lv_cat(Y, AD)).
 *
 * @example
 * confirmationTag(sid, isk, Ya, utf8ToBytes('rep')); // the rep's 64-byte tag
 */
export function confirmationTag(sid: Uint8Array, isk: Uint8Array, y: Uint8Array, ad: Uint8Array): Uint8Array {
  const macKey = sha512(concatBytes(MAC_PREFIX, sid, isk));
  return hmac(sha512, macKey, lvCat(y, ad));
}

/** The secrets of each live CpaceState, out of reach of code outside this module. */
interface CpaceSecrets {
  readonly scalar: bigint;
  readonly role: Role;
  readonly sid: Uint8Array;
  readonly ownY: Uint8Array;
}
const liveStates = new WeakMap<CpaceState, CpaceSecrets>();

/**
 * Our half of a CPace run between `cpaceStart` and `cpaceFinish`. Opaque on purpose: the
 * secret scalar is kept in a module-private WeakMap, so it cannot be read, serialised or
 * logged by accident (`JSON.stringify(state)` shows only the role), and the state can be
 * finished only once because the draft forbids reusing a scalar (section 10.9).
 *
 * @example
 * const { message, state } = cpaceStart({ password: '482-913775', sid, role: 'rep' });
 * // send `message`, later: cpaceFinish(state, peerMessage)
 */
export class CpaceState {
  /** @internal Use {@link cpaceStart}; a state built directly has no secrets and cannot finish. */
  constructor(readonly role: Role) {}
}

/** What `cpaceStart` returns: the message to send and the state to keep. */
export interface CpaceStart {
  /** Our public share Y (Ya for the rep, Yb for the customer), 32 bytes, to send to the peer. */
  readonly message: Uint8Array;
  /** Keep privately until the peer's message arrives; pass to {@link cpaceFinish} once. */
  readonly state: CpaceState;
}

/**
 * Start a CPace run: derive the password-dependent generator, pick a fresh scalar y and
 * return Y = y·g to send to the peer.
 *
 * - `password` is the whole session code as `formatCode` writes it, e.g. `482-913775` (PRS):
 *   the secret digits plus the nameplate, so a share is bound to its room too. It is NFC-normalised then
 *   UTF-8 encoded, the parts of RFC 8265's OpaqueString profile that matter here.
 * - `sid` is the public session identifier (the server's random room nonce): it binds the
 *   run to this room and forces one discrete-log computation per guess and session.
 * - `channelId` is the draft's CI (default empty). Both sides must use the same value.
 * - `scalar` (tests only) fixes y: 32 bytes little-endian, as in the draft's vectors.
 *
 * @throws ParleyError `MALFORMED` for an empty password, a non-byte sid or channelId, or an
 *   unknown role; `BAD_KEY` for a test scalar that is not a canonical non-zero scalar.
 * @example
 * const rep = cpaceStart({ password: '482-913775', sid: roomNonce, role: 'rep' });
 * send(rep.message); // 32 bytes
 */
export function cpaceStart(opts: {
  password: string;
  sid: Uint8Array;
  role: Role;
  channelId?: Uint8Array;
  scalar?: Uint8Array;
}): CpaceStart {
  const { password, sid, role } = opts;
  const channelId = opts.channelId ?? new Uint8Array(0);
  roleLabel(role); // validates the role
  if (typeof password !== 'string' || password.length === 0) {
    throw new ParleyError('MALFORMED', 'CPace password must be a non-empty string');
  }
  if (!(sid instanceof Uint8Array) || !(channelId instanceof Uint8Array)) {
    throw new ParleyError('MALFORMED', 'CPace sid and channelId must be bytes');
  }
  const prs = utf8ToBytes(password.normalize('NFC'));
  const g = calculateGenerator(prs, channelId, sid);
  const y = opts.scalar === undefined ? sampleScalar() : parseScalar(opts.scalar);
  const message = g.multiply(y).toBytes();
  const state = new CpaceState(role);
  // Copy sid: the caller's buffer could be changed between start and finish.
  liveStates.set(state, { scalar: y, role, sid: Uint8Array.from(sid), ownY: message });
  return { message, state };
}

/** What `cpaceFinish` returns. */
export interface CpaceResult {
  /** The intermediate session key (64 bytes). Feed it to a KDF (see keys.ts), never use it directly. */
  readonly isk: Uint8Array;
  /** Our key-confirmation MAC (64 bytes) to send to the peer. */
  readonly confirmation: Uint8Array;
  /** Checks the peer's confirmation MAC in constant time. `false` means wrong code or an attack. */
  verifyPeer(mac: Uint8Array): boolean;
}

/**
 * Finish a CPace run with the peer's message: check it, compute K = y·Y_peer, the ISK over
 * the initiator-responder transcript, and the confirmation MACs. The state is consumed
 * even on failure: a failed run must be restarted with a fresh scalar.
 *
 * Sending `confirmation` before checking the peer's is safe: it reveals nothing about the
 * password to someone who does not already hold the matching key.
 *
 * @throws ParleyError `BAD_KEY` if the peer message has the wrong length, does not decode
 *   to a ristretto255 element, is the identity, equals our own message (reflection), or if
 *   the state was already used.
 * @example
 * const result = cpaceFinish(rep.state, customerMessage);
 * send(result.confirmation);
 * if (!result.verifyPeer(customerConfirmation)) abort('BAD_KEY');
 */
export function cpaceFinish(state: CpaceState, peerMessage: Uint8Array): CpaceResult {
  const secrets = state instanceof CpaceState ? liveStates.get(state) : undefined;
  if (secrets === undefined) throw new ParleyError('BAD_KEY', 'CPace state unknown or already used');
  liveStates.delete(state); // single use, even if the peer message turns out to be bad
  const { scalar, role, sid, ownY } = secrets;
  const peerPoint = decodeElement(peerMessage);
  // A peer echoing our own Y back (a reflection / loop-back attempt) is refused outright.
  // Y values are public, so a plain comparison is fine here.
  if (equalBytes(peerMessage, ownY)) throw new ParleyError('BAD_KEY', 'peer message reflects our own');
  const k = multiplyChecked(scalar, peerPoint).toBytes();
  const peerY = Uint8Array.from(peerMessage);

  const ownAd = roleLabel(role);
  const peerAd = roleLabel(peerRole(role));
  // Transcript order is fixed by role, not by who spoke first: the rep is always A.
  const isk =
    role === 'rep' ? computeIsk(sid, k, ownY, ownAd, peerY, peerAd) : computeIsk(sid, k, peerY, peerAd, ownY, ownAd);
  const confirmation = confirmationTag(sid, isk, ownY, ownAd);
  const expectedPeer = confirmationTag(sid, isk, peerY, peerAd);
  return {
    isk,
    confirmation,
    verifyPeer(mac: Uint8Array): boolean {
      if (!(mac instanceof Uint8Array) || mac.length !== expectedPeer.length) return false;
      return equalBytes(mac, expectedPeer); // noble's equalBytes is constant time for equal lengths
    },
  };
}

/**
 * Decode a peer's element. ristretto255 decoding rejects non-canonical encodings, so there
 * is exactly one accepted byte string per group element (which makes the reflection
 * check above sound). The identity is rejected: it would make K the identity for any y.
 */
function decodeElement(encoded: Uint8Array): RistrettoPoint {
  if (!(encoded instanceof Uint8Array) || encoded.length !== CPACE_MESSAGE_BYTES) {
    throw new ParleyError('BAD_KEY', 'CPace message must be 32 bytes');
  }
  let point: RistrettoPoint;
  try {
    point = Point.fromBytes(encoded);
  } catch (cause) {
    throw new ParleyError('BAD_KEY', 'CPace message is not a ristretto255 element', { cause });
  }
  if (point.is0()) throw new ParleyError('BAD_KEY', 'CPace message is the identity element');
  return point;
}

/** y·P, aborting on the identity as scalar_mult_vfy requires. */
function multiplyChecked(scalar: bigint, point: RistrettoPoint): RistrettoPoint {
  const k = point.multiply(scalar);
  if (k.is0()) throw new ParleyError('BAD_KEY', 'CPace shared point is the identity');
  return k;
}

/**
 * G.sample_scalar as the draft recommends for ristretto255 (section 8.3): 32 random bytes
 * with the bits above bit 251 cleared, read little-endian. Every such value is below the
 * group order (about 2^252), so no reduction or rejection loop is needed, except for the
 * 2^-252 chance of zero, which noble refuses to multiply by.
 */
function sampleScalar(): bigint {
  for (;;) {
    const bytes = randomBytes(32);
    bytes[31] = (bytes[31] ?? 0) & 0x0f;
    const y = Fn.fromBytes(bytes);
    if (y !== 0n) return y;
  }
}

/** A test-supplied scalar: 32 bytes little-endian, canonical (< group order) and non-zero. */
function parseScalar(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== Fn.BYTES) {
    throw new ParleyError('BAD_KEY', 'scalar must be 32 bytes');
  }
  let y: bigint;
  try {
    y = Fn.fromBytes(bytes);
  } catch (cause) {
    throw new ParleyError('BAD_KEY', 'scalar is not below the group order', { cause });
  }
  if (y === 0n) throw new ParleyError('BAD_KEY', 'scalar is zero');
  return y;
}
