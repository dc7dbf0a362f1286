import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceFinish, cpaceStart, type Role } from '../../protocol/cpace.ts';
import { ParleyError } from '../../protocol/errors.ts';
import {
  deriveSessionKeys,
  fingerprintProof,
  normalizeFingerprint,
  ROOM_PROOF_BYTES,
  roomProof,
  verifyFingerprintProof,
  type SessionKeys,
} from '../../protocol/keys.ts';
import { expectParleyError } from './helpers.ts';

const isk = Uint8Array.from({ length: 64 }, (_, i) => i);
const sid = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const h = bytesToHex;

const directional = (k: SessionKeys) => [k.signalSend, k.signalRecv, k.dataSend, k.dataRecv, k.bulkSend, k.bulkRecv];

describe('deriveSessionKeys', () => {
  const rep = deriveSessionKeys(isk, sid, 'rep');
  const cust = deriveSessionKeys(isk, sid, 'customer');

  it('has the right sizes', () => {
    for (const k of [...directional(rep), rep.fingerprint]) expect(k.length).toBe(32);
    expect(rep.sas.length).toBe(8);
  });

  it('directional keys match across roles', () => {
    expect(h(rep.signalSend)).toBe(h(cust.signalRecv));
    expect(h(rep.signalRecv)).toBe(h(cust.signalSend));
    expect(h(rep.dataSend)).toBe(h(cust.dataRecv));
    expect(h(rep.dataRecv)).toBe(h(cust.dataSend));
    expect(h(rep.bulkSend)).toBe(h(cust.bulkRecv));
    expect(h(rep.bulkRecv)).toBe(h(cust.bulkSend));
  });

  it('each re-pair epoch gets fresh link keys on both sides and keeps the safety code', () => {
    const seen = new Set<string>();
    for (const epoch of [0, 1, 2, 4_294_967_295]) {
      const r = deriveSessionKeys(isk, sid, 'rep', epoch);
      const c = deriveSessionKeys(isk, sid, 'customer', epoch);
      expect(h(r.dataSend)).toBe(h(c.dataRecv));
      expect(h(r.signalSend)).toBe(h(c.signalRecv));
      expect(h(r.sas)).toBe(h(rep.sas));
      for (const key of [...directional(r), r.fingerprint]) seen.add(h(key));
    }
    expect(seen.size).toBe(4 * 7); // no key repeats across epochs or uses
    expect(h(deriveSessionKeys(isk, sid, 'rep', 0).dataSend)).toBe(h(rep.dataSend)); // epoch 0 is the first link's
  });

  it('refuses a negative, fractional or over-large epoch', () => {
    for (const epoch of [-1, 1.5, 2 ** 32, Number.NaN]) expectParleyError(() => deriveSessionKeys(isk, sid, 'rep', epoch), 'MALFORMED');
  });

  it('fingerprint key and SAS are the same on both sides', () => {
    expect(h(rep.fingerprint)).toBe(h(cust.fingerprint));
    expect(h(rep.sas)).toBe(h(cust.sas));
  });

  it('all keys differ from each other (directions and purposes)', () => {
    const all = [...directional(rep), rep.fingerprint].map(h);
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain(h(isk.subarray(0, 32)));
  });

  it('is HKDF-SHA512(ISK, salt = sid, info = label) as documented', () => {
    const expand = (info: string, len = 32) => h(hkdf(sha512, isk, sid, utf8ToBytes(info), len));
    expect(h(rep.signalSend)).toBe(expand('parley/1 signal rep->customer'));
    expect(h(rep.signalRecv)).toBe(expand('parley/1 signal customer->rep'));
    expect(h(rep.dataSend)).toBe(expand('parley/1 data rep->customer'));
    expect(h(rep.dataRecv)).toBe(expand('parley/1 data customer->rep'));
    expect(h(rep.fingerprint)).toBe(expand('parley/1 fingerprint'));
    expect(h(rep.sas)).toBe(expand('parley/1 sas', 8));
  });

  it('a different sid or ISK gives different keys', () => {
    const otherSid = Uint8Array.from(sid);
    otherSid[0] = (otherSid[0] ?? 0) ^ 1;
    const otherIsk = Uint8Array.from(isk);
    otherIsk[63] = (otherIsk[63] ?? 0) ^ 1;
    for (const other of [deriveSessionKeys(isk, otherSid, 'rep'), deriveSessionKeys(otherIsk, sid, 'rep')]) {
      expect(h(other.signalSend)).not.toBe(h(rep.signalSend));
      expect(h(other.dataSend)).not.toBe(h(rep.dataSend));
      expect(h(other.fingerprint)).not.toBe(h(rep.fingerprint));
      expect(h(other.sas)).not.toBe(h(rep.sas));
    }
  });

  it('fast-check: for any ISK and sid, the two roles mirror each other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.uint8Array({ maxLength: 32 }), (i, s) => {
        const a = deriveSessionKeys(i, s, 'rep');
        const b = deriveSessionKeys(i, s, 'customer');
        expect(h(a.signalSend)).toBe(h(b.signalRecv));
        expect(h(a.dataRecv)).toBe(h(b.dataSend));
        expect(h(a.sas)).toBe(h(b.sas));
        expect(h(a.signalSend)).not.toBe(h(a.signalRecv));
      }),
      { numRuns: 100 },
    );
  });

  it('works end to end from a CPace run', () => {
    const r = cpaceStart({ password: '913775', sid, role: 'rep' });
    const c = cpaceStart({ password: '913775', sid, role: 'customer' });
    const kr = deriveSessionKeys(cpaceFinish(r.state, c.message).isk, sid, 'rep');
    const kc = deriveSessionKeys(cpaceFinish(c.state, r.message).isk, sid, 'customer');
    expect(h(kr.dataSend)).toBe(h(kc.dataRecv));
    expect(h(kr.sas)).toBe(h(kc.sas));
  });

  it('rejects bad inputs', () => {
    expectParleyError(() => deriveSessionKeys(new Uint8Array(16), sid, 'rep'), 'BAD_KEY');
    expectParleyError(() => deriveSessionKeys('x' as unknown as Uint8Array, sid, 'rep'), 'BAD_KEY');
    expectParleyError(() => deriveSessionKeys(isk, sid, 'admin' as Role), 'MALFORMED');
    expectParleyError(() => deriveSessionKeys(isk, null as unknown as Uint8Array, 'rep'), 'MALFORMED');
  });
});

describe('fingerprint proof', () => {
  const key = deriveSessionKeys(isk, sid, 'rep').fingerprint;
  const repFp = 'sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
  const custFp = 'sha-256 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00';

  it('normalises case and whitespace', () => {
    expect(normalizeFingerprint('  SHA-256   AB:CD\t')).toBe('sha-256 ab:cd');
  });

  it('the peer verifies with the fingerprints seen from its side', () => {
    const mac = fingerprintProof(key, 'rep', repFp, custFp);
    expect(mac.length).toBe(32);
    // The customer sees the rep's certificate as remote and its own as local.
    expect(verifyFingerprintProof(key, 'rep', repFp, custFp, mac)).toBe(true);
    // Case and spacing differences between browsers do not matter.
    expect(verifyFingerprintProof(key, 'rep', ` ${repFp.toLowerCase()} `, custFp.toUpperCase(), mac)).toBe(true);
  });

  it('fails on a different fingerprint (a DTLS man in the middle)', () => {
    const mac = fingerprintProof(key, 'rep', repFp, custFp);
    const mitm = repFp.replace('AB:CD', 'AB:CE');
    expect(verifyFingerprintProof(key, 'rep', mitm, custFp, mac)).toBe(false);
    expect(verifyFingerprintProof(key, 'rep', repFp, mitm, mac)).toBe(false);
    // Swapped local/remote is a different statement.
    expect(verifyFingerprintProof(key, 'rep', custFp, repFp, mac)).toBe(false);
  });

  it('a proof cannot be reflected under the other role', () => {
    const mac = fingerprintProof(key, 'rep', repFp, custFp);
    expect(verifyFingerprintProof(key, 'customer', repFp, custFp, mac)).toBe(false);
  });

  it('fails with another key, a tampered MAC or a wrong length', () => {
    const mac = fingerprintProof(key, 'customer', custFp, repFp);
    const otherKey = deriveSessionKeys(isk, Uint8Array.of(9), 'rep').fingerprint;
    expect(verifyFingerprintProof(otherKey, 'customer', custFp, repFp, mac)).toBe(false);
    const bad = Uint8Array.from(mac);
    bad[5] = (bad[5] ?? 0) ^ 0x80;
    expect(verifyFingerprintProof(key, 'customer', custFp, repFp, bad)).toBe(false);
    expect(verifyFingerprintProof(key, 'customer', custFp, repFp, mac.subarray(0, 16))).toBe(false);
    expect(verifyFingerprintProof(key, 'customer', custFp, repFp, null as unknown as Uint8Array)).toBe(false);
  });

  it('length prefixes keep fields apart', () => {
    // Without length prefixes these two would MAC the same concatenated string.
    const a = fingerprintProof(key, 'rep', 'sha-256 aa', 'bb');
    const b = fingerprintProof(key, 'rep', 'sha-256 a', 'abb');
    expect(h(a)).not.toBe(h(b));
  });
});

describe('roomProof', () => {
  it('is 32 bytes, the same for both roles (no role input), and HKDF(ISK, sid, "parley/1 room proof")', () => {
    const proof = roomProof(isk, sid);
    expect(proof).toHaveLength(ROOM_PROOF_BYTES);
    expect(h(proof)).toBe(h(hkdf(sha512, isk, sid, utf8ToBytes('parley/1 room proof'), 32)));
    expect(h(roomProof(isk.slice(), sid.slice()))).toBe(h(proof));
  });

  it('works end to end from a CPace run: both sides get the same proof', () => {
    const r = cpaceStart({ password: '913775', sid, role: 'rep' });
    const c = cpaceStart({ password: '913775', sid, role: 'customer' });
    const pr = roomProof(cpaceFinish(r.state, c.message).isk, sid);
    const pc = roomProof(cpaceFinish(c.state, r.message).isk, sid);
    expect(h(pr)).toBe(h(pc));
  });

  it('differs per sid and per ISK', () => {
    const proof = h(roomProof(isk, sid));
    expect(h(roomProof(isk, sid.map((b) => b ^ 1)))).not.toBe(proof);
    expect(h(roomProof(isk.map((b) => b ^ 1), sid))).not.toBe(proof);
  });

  it('equals no other derived key, of any role or epoch', () => {
    const proof = h(roomProof(isk, sid));
    for (const role of ['rep', 'customer'] as Role[]) {
      for (const epoch of [0, 1, 7]) {
        const keys = deriveSessionKeys(isk, sid, role, epoch);
        for (const key of [...directional(keys), keys.fingerprint, keys.sas]) expect(h(key)).not.toBe(proof);
      }
    }
  });

  it('matches the PROTOCOL.md §15 vector (the full Parley run)', () => {
    const runIsk = Uint8Array.from(Buffer.from('acaf4d14b78fe4fa9b10eb73b9a41cc9125eda1c1d3807a27ef26935fb2471c283e74ac7b639b30e3882ee89d9945d05776e5ffebfd9c6dacd702fc7929aa273', 'hex'));
    const runSid = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(h(roomProof(runIsk, runSid))).toBe('27507254606cc205c1670fb166632e444ea60992b1caa97fdaf664cfac7a5e94');
  });

  it('rejects a short ISK and a non-byte sid', () => {
    expectParleyError(() => roomProof(new Uint8Array(31), sid), 'BAD_KEY');
    expectParleyError(() => roomProof(isk, 'sid' as unknown as Uint8Array), 'MALFORMED');
  });
});
