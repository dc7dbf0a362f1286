/**
 * Wire protocol version. Bumped on any incompatible change to the signaling messages,
 * the relay envelope, the key schedule or the peer messages. The server refuses a client
 * whose version differs with `VERSION_MISMATCH`.
 *
 * @example
 * io(url, { auth: { version: PROTOCOL_VERSION } });
 *
 * Version 2: bulk-channel frames (file chunks) are sealed with AES-256-GCM under new bulk keys
 * (protocol/bulk-seal.ts) instead of secretbox.
 * Version 3: a file offer's `sha256` is the content hash (protocol/content-hash.ts: SHA-256 over
 * the SHA-256 of each 4 MiB block), no longer the plain SHA-256 of the file.
 * Version 4: bulk-channel frames no longer carry their counter: frame n is sealed and opened
 * under counter n (protocol/bulk-seal.ts).
 */
export const PROTOCOL_VERSION = 4 as const;
