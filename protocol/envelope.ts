/**
 * The relay envelope: what a client puts in `relay.data`. The server never parses it.
 *
 *   data = base64url( kind (1 byte) ‖ body )
 *
 * | kind | name    | body                                                   |
 * | ---- | ------- | ------------------------------------------------------ |
 * | 1    | pake    | CPace share Y, 32 bytes (ristretto255 encoding)        |
 * | 2    | confirm | CPace key confirmation MAC, 64 bytes (HMAC-SHA512)     |
 * | 3    | signal  | sealed frame (seal.ts) of a JSON simple-peer signal    |
 * | 4    | repair  | epoch (u32, big-endian) ‖ sealed frame of a signal     |
 *
 * `repair` carries the signals of a re-paired link after the first one was lost: the epoch
 * names the link keys (keys.ts) it is sealed with, so a frame only opens for that link.
 */
import { fromBase64Url, toBase64Url } from './base64.ts';
import { ParleyError } from './errors.ts';
import { MAX_RELAY_CHARS } from './signaling.ts';

export const RelayKind = { Pake: 1, Confirm: 2, Signal: 3, Repair: 4 } as const;
export type RelayKind = (typeof RelayKind)[keyof typeof RelayKind];

const BODY_SIZE: Record<RelayKind, { min: number; max: number }> = {
  [RelayKind.Pake]: { min: 32, max: 32 },
  [RelayKind.Confirm]: { min: 64, max: 64 },
  [RelayKind.Signal]: { min: 8 + 16, max: Number.POSITIVE_INFINITY },
  [RelayKind.Repair]: { min: 4 + 8 + 16, max: Number.POSITIVE_INFINITY },
};

export interface RelayEnvelope {
  kind: RelayKind;
  body: Uint8Array;
}

/** @example encodeRelay(RelayKind.Pake, y) // 'AQ…' */
export function encodeRelay(kind: RelayKind, body: Uint8Array): string {
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = kind;
  bytes.set(body, 1);
  const data = toBase64Url(bytes);
  if (data.length > MAX_RELAY_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'relay payload too large');
  return data;
}

/** @throws ParleyError `MALFORMED` for unknown kinds or bodies of the wrong size. */
export function decodeRelay(data: unknown): RelayEnvelope {
  if (typeof data !== 'string' || data.length === 0) throw new ParleyError('MALFORMED', 'relay data is not a string');
  if (data.length > MAX_RELAY_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'relay payload too large');
  const bytes = fromBase64Url(data);
  const kind = bytes[0] as RelayKind;
  const size = BODY_SIZE[kind];
  if (!size) throw new ParleyError('MALFORMED', 'unknown relay kind');
  const body = bytes.subarray(1);
  if (body.length < size.min || body.length > size.max) throw new ParleyError('MALFORMED', 'relay body has the wrong size');
  return { kind, body };
}

/** The body of a `repair` envelope: `epoch ‖ sealed`. @example encodeRepair(2, frame) */
export function encodeRepair(epoch: number, sealed: Uint8Array): Uint8Array {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > 0xffff_ffff) throw new ParleyError('MALFORMED', 'bad link epoch');
  const body = new Uint8Array(4 + sealed.length);
  new DataView(body.buffer).setUint32(0, epoch, false);
  body.set(sealed, 4);
  return body;
}

/** Splits a `repair` body (already size-checked by decodeRelay). Epoch 0 is the first link: never a repair. */
export function decodeRepair(body: Uint8Array): { epoch: number; sealed: Uint8Array } {
  if (body.length < 4 + 8 + 16) throw new ParleyError('MALFORMED', 'repair body too short');
  const epoch = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, false);
  if (epoch === 0) throw new ParleyError('MALFORMED', 'repair for the first link');
  return { epoch, sealed: body.subarray(4) };
}
