/**
 * The rep console's `nacl.box` key pair: customers seal their details to its public key
 * (protocol/customer-details.ts). One pair per tab, kept for the tab's life: in `sessionStorage`
 * so that a reload keeps opening the details already sealed for it (a new tab makes a new pair;
 * the server asks waiting customers to seal for it too). Never sent anywhere but the public half.
 */
import nacl from 'tweetnacl';
import { fromBase64Url, toBase64Url } from '@protocol/base64.ts';

const STORAGE_KEY = 'parley-desk-box-key';

export interface DeskKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

let current: DeskKeyPair | null = null;

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** This tab's key pair (made on first use). */
export function deskKeyPair(): DeskKeyPair {
  if (current) return current;
  const saved = read();
  current = saved ?? nacl.box.keyPair();
  if (!saved) {
    try {
      storage()?.setItem(STORAGE_KEY, toBase64Url(current.secretKey));
    } catch {
      // storage blocked: the pair lasts as long as the page
    }
  }
  return current;
}

function read(): DeskKeyPair | null {
  try {
    const raw = storage()?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const secretKey = fromBase64Url(raw);
    if (secretKey.length !== nacl.box.secretKeyLength) return null;
    return nacl.box.keyPair.fromSecretKey(secretKey);
  } catch {
    return null; // damaged: a fresh pair replaces it
  }
}

/** Test hook: forgets the pair kept in memory (storage untouched). */
export function forgetDeskKeyPairInMemory(): void {
  current = null;
}
