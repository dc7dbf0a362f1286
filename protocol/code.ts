import { ParleyError } from './errors.ts';

/**
 * A session code is `NAMEPLATE-SECRET`, e.g. `482-913775`.
 * - the nameplate (3–6 digits) is assigned by the server and names the room;
 * - the secret (always {@link SECRET_DIGITS} digits, ~19.9 bits) is made in the rep's browser and
 *   never reaches the server. The whole code string (`formatCode`) is the CPace password; with
 *   one guess per room an attacker's chance is one in a million.
 */
export const SECRET_DIGITS = 6;
export const NAMEPLATE_MIN_DIGITS = 3;
export const NAMEPLATE_MAX_DIGITS = 6;

export interface SessionCode {
  nameplate: string;
  secret: string;
}

const NAMEPLATE_RE = new RegExp(`^[0-9]{${NAMEPLATE_MIN_DIGITS},${NAMEPLATE_MAX_DIGITS}}$`);
const SECRET_RE = new RegExp(`^[0-9]{${SECRET_DIGITS}}$`);

export function isNameplate(value: unknown): value is string {
  return typeof value === 'string' && NAMEPLATE_RE.test(value);
}

/** Uniform random secret digits from the platform CSPRNG (rejection sampling, no modulo bias). */
export function generateSecret(random: (n: number) => Uint8Array = defaultRandom): string {
  let out = '';
  while (out.length < SECRET_DIGITS) {
    for (const byte of random(16)) {
      if (byte < 250 && out.length < SECRET_DIGITS) out += String(byte % 10);
    }
  }
  return out;
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

export function formatCode(code: SessionCode): string {
  return `${code.nameplate}-${code.secret}`;
}

/** The code in groups of three digits for reading aloud: `482 913 775`. */
export function groupCode(code: SessionCode): string {
  const secret = code.secret.replace(/(\d{3})(?=\d)/g, '$1 ');
  return `${code.nameplate} ${secret}`;
}

/**
 * Parses what a person typed or pasted: separators (`-`, spaces, dots, en dashes) and a leading
 * `#` or a whole join link are accepted. The last {@link SECRET_DIGITS} digits are the secret,
 * the rest the nameplate.
 *
 * @throws ParleyError `INVALID_CODE` when the digits cannot form a code.
 */
export function parseCode(input: string): SessionCode {
  const hash = input.lastIndexOf('#');
  const raw = hash >= 0 ? input.slice(hash + 1) : input;
  const digits = raw.replace(/[\s\-‐‑‒–—.·_/]/g, '');
  if (!/^[0-9]+$/.test(digits)) throw new ParleyError('INVALID_CODE', 'code has characters other than digits');
  const nameplate = digits.slice(0, -SECRET_DIGITS);
  const secret = digits.slice(-SECRET_DIGITS);
  if (!isNameplate(nameplate) || !SECRET_RE.test(secret)) {
    throw new ParleyError('INVALID_CODE', 'code has the wrong number of digits');
  }
  return { nameplate, secret };
}

/** Join link: the code travels in the URL fragment, which browsers never send to the server. */
export function joinLink(origin: string, code: SessionCode): string {
  return `${origin.replace(/\/$/, '')}/#${formatCode(code)}`;
}
