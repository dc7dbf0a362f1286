/**
 * Session key schedule: everything Parley encrypts or authenticates after CPace is keyed
 * from the CPace ISK through HKDF-SHA512 (RFC 5869), as the CPace draft recommends
 * (ISK is an *intermediate* key, section 10.3).
 *
 * Why one key per purpose and per direction: a key used by only one sender and for only
 * one kind of message means a counter nonce can never repeat under it (each sender
 * counts on its own), and a message sealed for one channel can never be replayed into
 * another (signaling vs data channel, rep→customer vs customer→rep).
 */
import { equalBytes } from '@noble/curves/utils.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { lvCat, roleLabel, type Role } from './cpace.ts';
import { ParleyError } from './errors.ts';

/** Length of each symmetric key, in bytes (nacl.secretbox key size). */
export const SESSION_KEY_BYTES = 32;
/** Highest link epoch (re-pairs per session); it travels as a u32 in the relay envelope. */
export const MAX_EPOCH = 0xffff_ffff;
/** Length of the SAS bytes, in bytes. */
export const SAS_BYTES = 8;

/**
 * HKDF `info` labels. The version prefix lets a future key schedule coexist; the arrow
 * names the sending direction so each directional key has exactly one sender.
 */
const INFO = {
  signalRepToCustomer: 'parley/1 signal rep->customer',
  signalCustomerToRep: 'parley/1 signal customer->rep',
  dataRepToCustomer: 'parley/1 data rep->customer',
  dataCustomerToRep: 'parley/1 data customer->rep',
  bulkRepToCustomer: 'parley/2 bulk aes-256-gcm rep->customer',
  bulkCustomerToRep: 'parley/2 bulk aes-256-gcm customer->rep',
  fingerprint: 'parley/1 fingerprint',
  sas: 'parley/1 sas',
  roomProof: 'parley/1 room proof',
} as const;

/** Length of {@link roomProof}, in bytes. */
export const ROOM_PROOF_BYTES = 32;

/** Domain label mixed into every fingerprint proof, so the MAC cannot be confused with another use of the key. */
const FP_PROOF_LABEL = utf8ToBytes('parley/1 fingerprint proof');

/** The keys of one session, from one side's point of view. */
export interface SessionKeys {
  /** Seals signaling payloads (SDP, ICE) we send. Equal to the peer's `signalRecv`. */
  signalSend: Uint8Array;
  /** Opens signaling payloads the peer sends. */
  signalRecv: Uint8Array;
  /** Seals data-channel messages we send. Equal to the peer's `dataRecv`. */
  dataSend: Uint8Array;
  /** Opens data-channel messages the peer sends. */
  dataRecv: Uint8Array;
  /** Seals bulk-channel frames (file chunks) we send, on their own channel and counter. */
  bulkSend: Uint8Array;
  /** Opens bulk-channel frames the peer sends. */
  bulkRecv: Uint8Array;
  /** Key for {@link fingerprintProof}; the same on both sides. */
  fingerprint: Uint8Array;
  /** 8 bytes for the safety code shown to both people (sas.ts); the same on both sides. */
  sas: Uint8Array;
}

/**
 * Derive the session keys from the CPace ISK. `sid` (the room nonce already used in
 * CPace) is the HKDF salt. Both sides derive the same values; `role` only decides
 * which directional key is "send" and which is "receive".
 *
 * `epoch` counts the direct links of the session: 0 for the first, n for the n-th re-pair
 * after a lost connection. Every link key (signal, data, bulk, fingerprint) depends on it, so
 * a new link never reuses a key whose counters already sealed something (see seal.ts); the
 * safety code does not, so the people comparing it see the same symbols for the whole session.
 *
 * @throws ParleyError `BAD_KEY` if `isk` is shorter than 32 bytes or not bytes;
 *   `MALFORMED` for an unknown role or a non-byte sid.
 * @example
 * const keys = deriveSessionKeys(result.isk, roomNonce, 'rep');
 * const sealer = new Sealer(keys.signalSend);
 */
export function deriveSessionKeys(isk: Uint8Array, sid: Uint8Array, role: Role, epoch = 0): SessionKeys {
  if (!(isk instanceof Uint8Array) || isk.length < 32) throw new ParleyError('BAD_KEY', 'ISK too short');
  if (!(sid instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'sid must be bytes');
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new ParleyError('MALFORMED', 'bad link epoch');
  roleLabel(role); // validates the role
  // One extract, several expands: the RFC 5869 pattern for many keys from one secret.
  const prk = extract(sha512, isk, sid);
  // Epoch 0 keeps the plain labels (the first link's keys are unchanged by re-pairing support).
  const suffix = epoch === 0 ? '' : ` #${epoch}`;
  const derive = (info: string, length = SESSION_KEY_BYTES): Uint8Array =>
    expand(sha512, prk, utf8ToBytes(info + suffix), length);

  const signalRC = derive(INFO.signalRepToCustomer);
  const signalCR = derive(INFO.signalCustomerToRep);
  const dataRC = derive(INFO.dataRepToCustomer);
  const dataCR = derive(INFO.dataCustomerToRep);
  const bulkRC = derive(INFO.bulkRepToCustomer);
  const bulkCR = derive(INFO.bulkCustomerToRep);
  const isRep = role === 'rep';
  const keys: SessionKeys = {
    signalSend: isRep ? signalRC : signalCR,
    signalRecv: isRep ? signalCR : signalRC,
    dataSend: isRep ? dataRC : dataCR,
    dataRecv: isRep ? dataCR : dataRC,
    bulkSend: isRep ? bulkRC : bulkCR,
    bulkRecv: isRep ? bulkCR : bulkRC,
    fingerprint: derive(INFO.fingerprint),
    sas: expand(sha512, prk, utf8ToBytes(INFO.sas), SAS_BYTES),
  };
  prk.fill(0);
  return keys;
}

/**
 * Proof of room membership for the signaling server (`claim-room`, `resume-room`): both members
 * derive the same 32 bytes, so whoever shows them later holds the session's key and may take a
 * slot back after a reload or a server restart. The server only keeps SHA-256 of it.
 *
 * Why its own HKDF label (and no epoch, no role): the value is handed to the untrusted server, so
 * it must reveal nothing about any key that protects content; HKDF outputs under different labels
 * are independent. It is the same for the whole session (re-pairs included) and for both roles.
 *
 * @throws ParleyError `BAD_KEY` if `isk` is shorter than 32 bytes; `MALFORMED` for a non-byte sid.
 * @example
 * await portal.claimRoom(roomProof(result.isk, roomNonce));
 */
export function roomProof(isk: Uint8Array, sid: Uint8Array): Uint8Array {
  if (!(isk instanceof Uint8Array) || isk.length < 32) throw new ParleyError('BAD_KEY', 'ISK too short');
  if (!(sid instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'sid must be bytes');
  const prk = extract(sha512, isk, sid);
  const proof = expand(sha512, prk, utf8ToBytes(INFO.roomProof), ROOM_PROOF_BYTES);
  prk.fill(0);
  return proof;
}

/**
 * Normalise a DTLS fingerprint string ("sha-256 AB:CD:…") so that both sides MAC the same
 * bytes whatever the case or spacing their browser used: trimmed, lower case, inner runs
 * of whitespace collapsed to one space.
 *
 * @example
 * normalizeFingerprint('  SHA-256  AB:CD '); // 'sha-256 ab:cd'
 */
export function normalizeFingerprint(fp: string): string {
  if (typeof fp !== 'string') throw new ParleyError('MALFORMED', 'fingerprint must be a string');
  return fp.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Proof that the sender sees the DTLS fingerprints it claims:
 * HMAC-SHA256(key, lv_cat(label, role, local, remote)), with `local` and `remote` as read
 * from the sender's live DTLS transport. Length prefixes (lv_cat) keep the three fields
 * from sliding into each other; the sender's role stops a proof from being reflected back.
 *
 * @example
 * const mac = fingerprintProof(keys.fingerprint, 'rep', myCertFp, peerCertFp);
 * dataChannel.send(mac);
 */
export function fingerprintProof(key: Uint8Array, role: Role, localFp: string, remoteFp: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < 32) throw new ParleyError('BAD_KEY', 'fingerprint key too short');
  const msg = lvCat(
    FP_PROOF_LABEL,
    roleLabel(role),
    utf8ToBytes(normalizeFingerprint(localFp)),
    utf8ToBytes(normalizeFingerprint(remoteFp)),
  );
  return hmac(sha256, key, msg);
}

/**
 * Check the peer's fingerprint proof in constant time. Pass the fingerprints *from the
 * peer's point of view*: `peerLocalFp` is the certificate fingerprint we see for the
 * remote side, `peerRemoteFp` is our own certificate's. A mismatch means someone sits
 * between the two DTLS endpoints (abort with FINGERPRINT_MISMATCH).
 *
 * @example
 * // customer side, checking the rep's proof:
 * verifyFingerprintProof(keys.fingerprint, 'rep', remoteCertFp, myCertFp, macFromRep); // true
 */
export function verifyFingerprintProof(
  key: Uint8Array,
  peerRole: Role,
  peerLocalFp: string,
  peerRemoteFp: string,
  mac: Uint8Array,
): boolean {
  const expected = fingerprintProof(key, peerRole, peerLocalFp, peerRemoteFp);
  if (!(mac instanceof Uint8Array) || mac.length !== expected.length) return false;
  return equalBytes(mac, expected);
}
