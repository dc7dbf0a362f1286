/**
 * The hashing Worker (hasher.ts): one incremental SHA-256 per file id, fed in order, answered
 * with the hex digest when asked.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

type Request = { id: number; bytes?: ArrayBuffer; done?: boolean; drop?: boolean };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: { id: number; digest: string }): void;
};
const hashes = new Map<number, ReturnType<typeof sha256.create>>();

scope.onmessage = ({ data: { id, bytes, done, drop } }) => {
  if (drop) {
    hashes.delete(id);
    return;
  }
  let hash = hashes.get(id);
  if (!hash) hashes.set(id, (hash = sha256.create()));
  if (bytes) hash.update(new Uint8Array(bytes));
  if (done) {
    hashes.delete(id);
    scope.postMessage({ id, digest: bytesToHex(hash.digest()) });
  }
};
