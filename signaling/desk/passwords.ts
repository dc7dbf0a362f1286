/**
 * Rep password hashes: scrypt (node:crypto), stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>` (PASSWORD_HASH_RE in
 * protocol/desk-config.ts). The parameters travel with each hash, so raising the defaults later
 * keeps old hashes working.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_HASH_RE } from '../../protocol/desk-config.ts';

/** N = 2^15, r = 8, p = 1: about 32 MiB and ~50 ms per hash on a server core. */
export const DEFAULT_SCRYPT = { log2N: 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longest password hashed (a longer one is refused, not truncated: no DoS by huge inputs). */
export const MAX_PASSWORD_CHARS = 1024;

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

/** scrypt needs 128·N·r bytes (plus a little): ask for exactly that, with headroom. */
function maxmem({ log2N, r, p }: ScryptParams): number {
  return 128 * 2 ** log2N * r * p + 16 * 1024 * 1024;
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** params.log2N, r: params.r, p: params.p, maxmem: maxmem(params) };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A new hash of `password` with a random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length === 0) throw new RangeError('the password is empty');
  if (password.length > MAX_PASSWORD_CHARS) throw new RangeError(`the password is longer than ${MAX_PASSWORD_CHARS} characters`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

/** The parts of a stored hash, or null when it is not one (wrong shape, bad base64url). */
export function parsePasswordHash(stored: string): ParsedHash | null {
  if (!PASSWORD_HASH_RE.test(stored)) return null;
  const [, n, r, p, salt, key] = stored.split('$');
  const saltBytes = Buffer.from(salt ?? '', 'base64url');
  const keyBytes = Buffer.from(key ?? '', 'base64url');
  // Canonical base64url only, so one hash has one spelling.
  if (saltBytes.toString('base64url') !== salt || keyBytes.toString('base64url') !== key) return null;
  if (saltBytes.length < 16 || keyBytes.length < 32 || keyBytes.length > 64) return null;
  return { log2N: Number(n), r: Number(r), p: Number(p), salt: saltBytes, key: keyBytes };
}

/** A fixed hash checked against when there is no account, so the answer takes as long either way. */
let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummy;
}

/** Makes the dummy hash now, so that even the first unknown username costs one scrypt run, not two. */
export function prepareDummyHash(): void {
  void dummyHash();
}

/**
 * Whether `password` matches `stored`. With `stored` undefined (no such user) or malformed, a
 * hash is computed all the same and the answer is false: the time taken does not tell whether a
 * username exists. Compared in constant time.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  const parsed = stored === undefined ? null : parsePasswordHash(stored);
  const tooLong = password.length > MAX_PASSWORD_CHARS;
  const target = parsed && !tooLong ? parsed : (parsePasswordHash(await dummyHash()) as ParsedHash);
  const key = await derive(tooLong ? '' : password, target.salt, target, target.key.length);
  const equal = timingSafeEqual(key, target.key);
  return equal && parsed !== null && !tooLong;
}
