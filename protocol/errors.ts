/**
 * The closed set of error codes shared by the server and the clients.
 * Each code has a one-line meaning; the UI maps codes to translated messages.
 */
export const ErrorCode = {
  /** No live room has that nameplate. */
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  /** The room already has two members. */
  ROOM_CROWDED: 'ROOM_CROWDED',
  /** A key confirmation failed in this room: it can never be joined again. */
  ROOM_BURNED: 'ROOM_BURNED',
  /** The code was not used in time. */
  CODE_EXPIRED: 'CODE_EXPIRED',
  /** Too many requests from this client; try again later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Key agreement or confirmation failed: wrong code or tampering. */
  BAD_KEY: 'BAD_KEY',
  /** A sealed message failed authentication (tampered or wrong key). */
  TAMPERED: 'TAMPERED',
  /** A sealed message arrived again or out of order. */
  REPLAYED: 'REPLAYED',
  /** The live DTLS fingerprints differ from the ones exchanged under encryption. */
  FINGERPRINT_MISMATCH: 'FINGERPRINT_MISMATCH',
  /** A message exceeded its size limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A message did not match the protocol. */
  MALFORMED: 'MALFORMED',
  /** Client and server speak different protocol versions. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** The request needs a room the client is not in. */
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  /** The session code is not of the form NNN-NNNNNN. */
  INVALID_CODE: 'INVALID_CODE',
  /** A pushed address is not an absolute http(s) URL. */
  INVALID_URL: 'INVALID_URL',
  /** The signaling server cannot be reached. */
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE',
  /** The other side left or the peer connection closed. */
  PEER_GONE: 'PEER_GONE',
  /** The peer-to-peer connection failed. */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  /** The server is too busy to create a room. */
  SERVER_FULL: 'SERVER_FULL',
  /** The person (or the browser's policy) refused to share a screen. */
  SCREEN_DENIED: 'SCREEN_DENIED',
  /** This browser cannot share a screen. */
  SCREEN_UNAVAILABLE: 'SCREEN_UNAVAILABLE',
  /** The peer sent one kind of message faster than any person could; the extra ones were dropped. */
  PEER_FLOODING: 'PEER_FLOODING',
  /** A nudge within the cooldown of the previous one (refused by the sender, ignored by the receiver). */
  NUDGE_TOO_SOON: 'NUDGE_TOO_SOON',
  /** A file is larger than the policy allows. */
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  /** A file's type is not allowed by the policy. */
  FILE_TYPE_NOT_ALLOWED: 'FILE_TYPE_NOT_ALLOWED',
  /** More files with one message than the policy allows. */
  TOO_MANY_FILES: 'TOO_MANY_FILES',
  /** A received file's content hash differs from the one offered. */
  FILE_CORRUPT: 'FILE_CORRUPT',
  /** The server refused to give a session's room back (wrong proof, or the room was never claimed). */
  RESUME_REFUSED: 'RESUME_REFUSED',
  /** The server cannot reach its shared state (Redis) and refuses new sessions until it can. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A rep feature was used without signing in (once the desk has rep accounts). */
  NOT_SIGNED_IN: 'NOT_SIGNED_IN',
  /** The signed-in rep may not do this (an admin feature, or a queue it does not serve). */
  FORBIDDEN: 'FORBIDDEN',
  /** No queue has that id. */
  UNKNOWN_QUEUE: 'UNKNOWN_QUEUE',
  /** The chat request (or invitation) is no longer waiting: taken, cancelled or expired. */
  REQUEST_GONE: 'REQUEST_GONE',
  /** No rep is available to invite (or to take the chat) right now. */
  NO_REP_AVAILABLE: 'NO_REP_AVAILABLE',
  /** The session already has an invitation waiting for an answer (one at a time). */
  INVITE_PENDING: 'INVITE_PENDING',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The typed error every Parley module throws. `code` is one of {@link ErrorCode};
 * the message is for logs and developers, never shown to users as is.
 *
 * @example
 * throw new ParleyError('ROOM_CROWDED', 'room already has two members');
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  constructor(
    readonly code: ErrorCode,
    message: string = code,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `err` as a ParleyError: itself if it is one, else CONNECTION_FAILED carrying it as the cause. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('CONNECTION_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Errors that mean an attacker or a wrong code was involved: shown as security errors. */
export const SECURITY_ERRORS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.BAD_KEY,
  ErrorCode.TAMPERED,
  ErrorCode.REPLAYED,
  ErrorCode.FINGERPRINT_MISMATCH,
  ErrorCode.ROOM_BURNED,
]);
