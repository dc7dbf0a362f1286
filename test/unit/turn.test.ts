/**
 * TURN REST credentials (signaling/turn.ts): the format coturn's `use-auth-secret` checks, a
 * vector computed outside Node, expiry, and the ICE settings the room answers carry.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../signaling/config.ts';
import { iceSettingsFor, issueTurnCredential, turnPassword } from '../../signaling/turn.ts';

const SECRET = 'sixteen-chars-at-least-0123456789';
const TURN = { secret: SECRET, urls: ['turn:turn.example.org:3478?transport=udp'], credentialTtlSeconds: 900 };
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 250); // 1767268800.25 s

describe('turnPassword', () => {
  it('is base64(HMAC-SHA1(secret, username)), as computed by OpenSSL', () => {
    // printf '%s' '1767225600:AAECAwQFBgcICQoL' | openssl dgst -sha1 -hmac 'sixteen-chars-at-least-0123456789' -binary | base64
    expect(turnPassword(SECRET, '1767225600:AAECAwQFBgcICQoL')).toBe('xZ+cWARp5JI4MFp9M03uZrHtPis=');
  });

  it('depends on every byte of the secret and of the username', () => {
    const base = turnPassword(SECRET, '1767225600:AAECAwQFBgcICQoL');
    expect(turnPassword(SECRET.replace('0', '1'), '1767225600:AAECAwQFBgcICQoL')).not.toBe(base);
    expect(turnPassword(SECRET, '1767225601:AAECAwQFBgcICQoL')).not.toBe(base);
  });
});

describe('issueTurnCredential', () => {
  it('makes "<expiry>:<opaque id>" with the expiry TTL seconds from now, and its HMAC', () => {
    const issued = issueTurnCredential(TURN, NOW, 'AAECAwQFBgcICQoL');
    expect(issued).toEqual({ username: '1767269700:AAECAwQFBgcICQoL', credential: turnPassword(SECRET, '1767269700:AAECAwQFBgcICQoL'), expiresAt: 1767269700 });
    expect(issued.expiresAt - Math.floor(NOW / 1000)).toBe(900);
  });

  it('uses a fresh random id each time, with nothing else in the username', () => {
    const names = new Set(Array.from({ length: 50 }, () => issueTurnCredential(TURN, NOW).username));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^1767269700:[A-Za-z0-9_-]{16}$/);
  });

  it('expires TTL seconds after it was issued, counted in whole seconds as coturn does', () => {
    const ttl = { ...TURN, credentialTtlSeconds: 60 };
    const expiry = (at: number) => Number(issueTurnCredential(ttl, at).username.split(':')[0]);
    expect(expiry(NOW)).toBe(1767268860);
    expect(expiry(NOW + 749)).toBe(1767268860); // same second
    expect(expiry(NOW + 750)).toBe(1767268861);
    expect(expiry(NOW + 3_600_000)).toBe(1767268860 + 3600);
  });
});

describe('iceSettingsFor', () => {
  const base: Pick<Config, 'iceServers' | 'turn' | 'iceTransportPolicy'> = { iceServers: [{ urls: 'stun:stun.example.org' }], turn: null, iceTransportPolicy: 'all' };

  it('without TURN: the static servers only, no TTL, no policy (answers as before)', () => {
    expect(iceSettingsFor(base, NOW)).toEqual({ iceServers: [{ urls: 'stun:stun.example.org' }] });
  });

  it('with TURN: adds coturn with a credential that verifies, and says how long it lasts', () => {
    const settings = iceSettingsFor({ ...base, turn: TURN }, NOW);
    expect(settings.iceServersTtlSeconds).toBe(900);
    expect(settings.iceTransportPolicy).toBeUndefined();
    expect(settings.iceServers).toHaveLength(2);
    const [stun, turn] = settings.iceServers;
    expect(stun).toEqual({ urls: 'stun:stun.example.org' });
    expect(turn?.urls).toEqual(TURN.urls);
    expect(turn?.credential).toBe(createHmac('sha1', SECRET).update(turn!.username!).digest('base64'));
  });

  it('says relay when the operator forces relaying', () => {
    expect(iceSettingsFor({ ...base, turn: TURN, iceTransportPolicy: 'relay' }, NOW).iceTransportPolicy).toBe('relay');
  });
});
