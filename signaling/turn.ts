/**
 * TURN REST credentials for coturn's `use-auth-secret` mode (draft-uberti-behave-turn-rest), and
 * the ICE settings each room answer carries.
 *
 * coturn and this server share one secret (`TURN_SECRET` here, `static-auth-secret` there). A
 * credential is
 *
 *   username   = "<expiry, unix seconds>:<opaque random id>"
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * coturn recomputes the HMAC and refuses a username whose expiry has passed, so nothing has to be
 * stored or revoked: credentials simply stop working. The random id is there so no two usernames
 * are alike (coturn's `user-quota` counts allocations per id); it says nothing about the session
 * — no sid, no nameplate, no address, nothing to link a relay allocation back to a room.
 *
 * Credentials are only ever issued to members of a live room (server.ts), and never logged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceSettings } from '../protocol/signaling.ts';
import type { Config, TurnSettings } from './config.ts';

/** Random bytes of the username's opaque id (16 base64url characters). */
const OPAQUE_ID_BYTES = 12;

export interface TurnCredential {
  username: string;
  credential: string;
  /** When coturn stops accepting it, in unix seconds (the username's first part). */
  expiresAt: number;
}

/** base64(HMAC-SHA1(secret, username)): the password coturn expects for `username`. */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

/** A fresh credential valid for `turn.credentialTtlSeconds` from `nowMs`. */
export function issueTurnCredential(turn: TurnSettings, nowMs: number, opaqueId: string = randomBytes(OPAQUE_ID_BYTES).toString('base64url')): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + turn.credentialTtlSeconds;
  const username = `${expiresAt}:${opaqueId}`;
  return { username, credential: turnPassword(turn.secret, username), expiresAt };
}

/**
 * The ICE settings for one answer: the static `ICE_SERVERS`, then the coturn server with a
 * credential made now (when TURN is configured), and the transport policy when it is not the
 * default. Defaults are left out, so a server without TURN answers exactly as before.
 */
export function iceSettingsFor(config: Pick<Config, 'iceServers' | 'turn' | 'iceTransportPolicy'>, nowMs: number): IceSettings {
  const settings: IceSettings = { iceServers: config.iceServers };
  if (config.turn) {
    const { username, credential } = issueTurnCredential(config.turn, nowMs);
    settings.iceServers = [...config.iceServers, { urls: config.turn.urls, username, credential }];
    settings.iceServersTtlSeconds = config.turn.credentialTtlSeconds;
  }
  if (config.iceTransportPolicy !== 'all') settings.iceTransportPolicy = config.iceTransportPolicy;
  return settings;
}
