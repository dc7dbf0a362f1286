/**
 * Wire protocol version. Bumped on any incompatible change to the signaling messages,
 * the relay envelope, the key schedule or the peer messages. The server refuses a client
 * whose version differs with `VERSION_MISMATCH`.
 *
 * @example
 * io(url, { auth: { version: PROTOCOL_VERSION } });
 */
export const PROTOCOL_VERSION = 1 as const;
