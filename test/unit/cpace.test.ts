import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  calculateGenerator,
  computeIsk,
  confirmationTag,
  cpaceFinish,
  cpaceStart,
  generatorString,
  lvCat,
  prependLen,
  scalarMultVfy,
  type Role,
} from '../../protocol/cpace.ts';
import { ParleyError } from '../../protocol/errors.ts';
import { expectParleyError } from './helpers.ts';

/**
 * Test vectors from draft-irtf-cfrg-cpace-21 (23 April 2026), appendix A.1/A.3 (string
 * utilities) and appendix B.3 "Test vector for CPace using group ristretto255 and hash
 * SHA-512". Source: https://github.com/cfrg/draft-irtf-cfrg-cpace
 * (draft-irtf-cfrg-cpace-21/draft-irtf-cfrg-cpace.txt), also
 * https://datatracker.ietf.org/doc/draft-irtf-cfrg-cpace/
 * The draft has no vectors for the key-confirmation MACs; those are checked against an
 * independent computation of the section 10.4 formula below.
 */
const hex = (s: string): Uint8Array => hexToBytes(s.replace(/\s+/g, ''));

const V = {
  prs: utf8ToBytes('Password'),
  ci: hex('0b415f696e69746961746f720b425f726573706f6e646572'),
  sid: hex('7e4b4791d6a8ef019b936c79fb7f2c57'),
  generatorString: hex(`
    11435061636552697374726574746f3235350850617373776f726464
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000180b415f696e69746961746f
    720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f
    2c57`),
  hashResult: hex(`
    da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288
    b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772
    05f90851a657ee27`),
  g: hex('222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56'),
  adA: utf8ToBytes('ADa'),
  ya: hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08'),
  Ya: hex('d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157'),
  adB: utf8ToBytes('ADb'),
  yb: hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d'),
  Yb: hex('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258'),
  K: hex('80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f'),
  transcriptIr: hex(`
    20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e
    ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa
    8232b5ebe63324e2d9e7433f725803414462`),
  iskInput: hex(`
    15435061636552697374726574746f3235355f49534b107e4b4791d6
    a8ef019b936c79fb7f2c572080b69a8a76457ab6a4d7f887a4bf6b55
    a2f80ac19c333f917a05fc9887c8b40f20d6bac480f2c386c394efc7
    c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7
    e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f
    725803414462`),
  iskIr: hex(`
    b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc
    ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c
    3fa2068af7900447`),
  // B.3.10 / B.3.11
  s: hex('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05'),
  X: hex('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c'),
  sX: hex('7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e'),
  invalidY1: hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c'),
  identity: new Uint8Array(32),
};

const scalar = (le: Uint8Array): bigint => ristretto255.Point.Fn.fromBytes(le);

describe('CPace string utilities (draft appendix A)', () => {
  it('prepend_len matches A.1.2', () => {
    expect(bytesToHex(prependLen(new Uint8Array(0)))).toBe('00');
    expect(bytesToHex(prependLen(utf8ToBytes('1234')))).toBe('0431323334');
    const r127 = Uint8Array.from({ length: 127 }, (_, i) => i);
    expect(bytesToHex(prependLen(r127))).toBe('7f' + bytesToHex(r127));
    const r128 = Uint8Array.from({ length: 128 }, (_, i) => i);
    expect(bytesToHex(prependLen(r128))).toBe('8001' + bytesToHex(r128));
  });

  it('lv_cat matches A.1.4', () => {
    const out = lvCat(utf8ToBytes('1234'), utf8ToBytes('5'), new Uint8Array(0), utf8ToBytes('678'));
    expect(bytesToHex(out)).toBe('043132333401350003363738');
  });

  it('transcript_ir matches A.3.5', () => {
    const t1 = concatBytes(
      lvCat(utf8ToBytes('123'), utf8ToBytes('PartyA')),
      lvCat(utf8ToBytes('234'), utf8ToBytes('PartyB')),
    );
    expect(bytesToHex(t1)).toBe('03313233065061727479410332333406506172747942');
  });
});

describe('CPace ristretto255 test vectors (draft-irtf-cfrg-cpace-21 appendix B.3)', () => {
  it('B.3.1 generator_string, its hash and the generator g', () => {
    const gs = generatorString(V.prs, V.ci, V.sid);
    expect(gs.length).toBe(170);
    expect(bytesToHex(gs)).toBe(bytesToHex(V.generatorString));
    expect(bytesToHex(sha512(gs))).toBe(bytesToHex(V.hashResult));
    expect(bytesToHex(calculateGenerator(V.prs, V.ci, V.sid).toBytes())).toBe(bytesToHex(V.g));
  });

  it('B.3.2 / B.3.3 Ya and Yb from the given scalars, through the public API', () => {
    const a = cpaceStart({ password: 'Password', sid: V.sid, role: 'rep', channelId: V.ci, scalar: V.ya });
    const b = cpaceStart({ password: 'Password', sid: V.sid, role: 'customer', channelId: V.ci, scalar: V.yb });
    expect(bytesToHex(a.message)).toBe(bytesToHex(V.Ya));
    expect(bytesToHex(b.message)).toBe(bytesToHex(V.Yb));
  });

  it('B.3.4 K on both sides', () => {
    expect(bytesToHex(scalarMultVfy(scalar(V.ya), V.Yb))).toBe(bytesToHex(V.K));
    expect(bytesToHex(scalarMultVfy(scalar(V.yb), V.Ya))).toBe(bytesToHex(V.K));
  });

  it('B.3.5 transcript_ir and ISK (initiator-responder)', () => {
    expect(bytesToHex(concatBytes(lvCat(V.Ya, V.adA), lvCat(V.Yb, V.adB)))).toBe(bytesToHex(V.transcriptIr));
    expect(bytesToHex(sha512(V.iskInput))).toBe(bytesToHex(V.iskIr));
    expect(bytesToHex(computeIsk(V.sid, V.K, V.Ya, V.adA, V.Yb, V.adB))).toBe(bytesToHex(V.iskIr));
  });

  it('B.3.10 scalar_mult_vfy with valid inputs', () => {
    expect(bytesToHex(scalarMultVfy(scalar(V.s), V.X))).toBe(bytesToHex(V.sX));
  });

  it('B.3.11 invalid inputs for scalar_mult_vfy abort', () => {
    expectParleyError(() => scalarMultVfy(scalar(V.s), V.invalidY1), 'BAD_KEY');
    expectParleyError(() => scalarMultVfy(scalar(V.s), V.identity), 'BAD_KEY');
  });

  it('full run with the vector inputs and Parley ADs: ISK and confirmations as the draft defines them', () => {
    const rep = cpaceStart({ password: 'Password', sid: V.sid, role: 'rep', channelId: V.ci, scalar: V.ya });
    const cust = cpaceStart({ password: 'Password', sid: V.sid, role: 'customer', channelId: V.ci, scalar: V.yb });
    const r = cpaceFinish(rep.state, cust.message);
    const c = cpaceFinish(cust.state, rep.message);

    const adRep = utf8ToBytes('rep');
    const adCust = utf8ToBytes('customer');
    // ISK = H(lv_cat(DSI_ISK, sid, K) || lv_cat(Ya, ADa) || lv_cat(Yb, ADb)), written out independently.
    const expectedIsk = sha512(
      concatBytes(
        lvCat(utf8ToBytes('CPaceRistretto255_ISK'), V.sid, V.K),
        lvCat(V.Ya, adRep),
        lvCat(V.Yb, adCust),
      ),
    );
    expect(bytesToHex(r.isk)).toBe(bytesToHex(expectedIsk));
    expect(bytesToHex(c.isk)).toBe(bytesToHex(expectedIsk));

    // Section 10.4: mac_key = H(b"CPaceMac" || sid || ISK); Ta = MAC(mac_key, lv_cat(Ya, ADa)).
    const macKey = sha512(concatBytes(utf8ToBytes('CPaceMac'), V.sid, expectedIsk));
    const ta = hmac(sha512, macKey, lvCat(V.Ya, adRep));
    const tb = hmac(sha512, macKey, lvCat(V.Yb, adCust));
    expect(bytesToHex(r.confirmation)).toBe(bytesToHex(ta));
    expect(bytesToHex(c.confirmation)).toBe(bytesToHex(tb));
    expect(bytesToHex(confirmationTag(V.sid, expectedIsk, V.Ya, adRep))).toBe(bytesToHex(ta));
    expect(r.confirmation.length).toBe(64);

    expect(r.verifyPeer(c.confirmation)).toBe(true);
    expect(c.verifyPeer(r.confirmation)).toBe(true);
  });
});

function run(repPassword: string, custPassword: string, sid = V.sid) {
  const rep = cpaceStart({ password: repPassword, sid, role: 'rep' });
  const cust = cpaceStart({ password: custPassword, sid, role: 'customer' });
  return { rep, cust, r: cpaceFinish(rep.state, cust.message), c: cpaceFinish(cust.state, rep.message) };
}

describe('CPace protocol behaviour', () => {
  it('agrees on the key with random scalars', () => {
    const { rep, cust, r, c } = run('482-913775', '482-913775');
    expect(rep.message.length).toBe(32);
    expect(bytesToHex(rep.message)).not.toBe(bytesToHex(cust.message));
    expect(bytesToHex(r.isk)).toBe(bytesToHex(c.isk));
    expect(r.isk.length).toBe(64);
    expect(r.verifyPeer(c.confirmation)).toBe(true);
    expect(c.verifyPeer(r.confirmation)).toBe(true);
  });

  it('fresh scalars: two runs give different messages and keys', () => {
    const one = run('913775', '913775');
    const two = run('913775', '913775');
    expect(bytesToHex(one.rep.message)).not.toBe(bytesToHex(two.rep.message));
    expect(bytesToHex(one.r.isk)).not.toBe(bytesToHex(two.r.isk));
  });

  it('normalises the password to NFC', () => {
    const { r, c } = run('caf\u00e9', 'cafe\u0301');
    expect(r.verifyPeer(c.confirmation)).toBe(true);
  });

  it('wrong password: confirmation fails both ways', () => {
    const { r, c } = run('913775', '913776');
    expect(bytesToHex(r.isk)).not.toBe(bytesToHex(c.isk));
    expect(r.verifyPeer(c.confirmation)).toBe(false);
    expect(c.verifyPeer(r.confirmation)).toBe(false);
  });

  it('different sid: confirmation fails', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
    const cust = cpaceStart({ password: '913775', sid: Uint8Array.of(1, 2, 3), role: 'customer' });
    const r = cpaceFinish(rep.state, cust.message);
    const c = cpaceFinish(cust.state, rep.message);
    expect(r.verifyPeer(c.confirmation)).toBe(false);
    expect(c.verifyPeer(r.confirmation)).toBe(false);
  });

  it('different channel id: confirmation fails', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep', channelId: Uint8Array.of(1) });
    const cust = cpaceStart({ password: '913775', sid: V.sid, role: 'customer', channelId: Uint8Array.of(2) });
    const r = cpaceFinish(rep.state, cust.message);
    const c = cpaceFinish(cust.state, rep.message);
    expect(r.verifyPeer(c.confirmation)).toBe(false);
  });

  for (const role of ['rep', 'customer'] as Role[]) {
    it(`swapped roles: two parties both acting as ${role} never confirm`, () => {
      const a = cpaceStart({ password: '913775', sid: V.sid, role });
      const b = cpaceStart({ password: '913775', sid: V.sid, role });
      const ra = cpaceFinish(a.state, b.message);
      const rb = cpaceFinish(b.state, a.message);
      expect(ra.verifyPeer(rb.confirmation)).toBe(false);
      expect(rb.verifyPeer(ra.confirmation)).toBe(false);
    });
  }

  it("a party's own confirmation is not accepted as the peer's", () => {
    const { r, c } = run('913775', '913775');
    expect(r.verifyPeer(r.confirmation)).toBe(false);
    expect(c.verifyPeer(c.confirmation)).toBe(false);
  });

  it('reflected message (peer sends back our own Y) → BAD_KEY', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
    expectParleyError(() => cpaceFinish(rep.state, rep.message), 'BAD_KEY');
    const cust = cpaceStart({ password: '913775', sid: V.sid, role: 'customer' });
    expectParleyError(() => cpaceFinish(cust.state, Uint8Array.from(cust.message)), 'BAD_KEY');
  });

  it('identity point → BAD_KEY', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
    expectParleyError(() => cpaceFinish(rep.state, new Uint8Array(32)), 'BAD_KEY');
  });

  it('non-canonical or undecodable 32 bytes → BAD_KEY', () => {
    const negative = Uint8Array.from(V.Ya);
    negative[0] = (negative[0] ?? 0) ^ 1; // odd s is a "negative" field element: never canonical
    const highBit = Uint8Array.from(V.Ya);
    highBit[31] = (highBit[31] ?? 0) | 0x80; // s ≥ 2^255 is never canonical
    const candidates = [V.invalidY1, new Uint8Array(32).fill(0xff), negative, highBit];
    for (const bad of candidates) {
      const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
      expectParleyError(() => cpaceFinish(rep.state, bad), 'BAD_KEY');
    }
  });

  it('wrong length or type → BAD_KEY', () => {
    const bad: unknown[] = [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), V.Ya.subarray(1), 'abc', null, [1, 2]];
    for (const peer of bad) {
      const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
      expectParleyError(() => cpaceFinish(rep.state, peer as Uint8Array), 'BAD_KEY');
    }
  });

  it('a state can be finished only once, even after a failure', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
    const cust = cpaceStart({ password: '913775', sid: V.sid, role: 'customer' });
    cpaceFinish(rep.state, cust.message);
    expectParleyError(() => cpaceFinish(rep.state, cust.message), 'BAD_KEY');

    const again = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
    expectParleyError(() => cpaceFinish(again.state, new Uint8Array(32)), 'BAD_KEY');
    expectParleyError(() => cpaceFinish(again.state, cust.message), 'BAD_KEY');
  });

  it('the state does not leak the scalar when serialised', () => {
    const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep', scalar: V.ya });
    expect(JSON.stringify(rep.state)).toBe('{"role":"rep"}');
  });

  it('tampered or truncated confirmation → verifyPeer false', () => {
    const { r, c } = run('913775', '913775');
    for (let i = 0; i < c.confirmation.length; i += 7) {
      const bad = Uint8Array.from(c.confirmation);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(r.verifyPeer(bad)).toBe(false);
    }
    expect(r.verifyPeer(c.confirmation.subarray(0, 32))).toBe(false);
    expect(r.verifyPeer(new Uint8Array(0))).toBe(false);
    expect(r.verifyPeer('x' as unknown as Uint8Array)).toBe(false);
  });

  it('rejects bad start options', () => {
    expectParleyError(() => cpaceStart({ password: '', sid: V.sid, role: 'rep' }), 'MALFORMED');
    expectParleyError(() => cpaceStart({ password: '1', sid: V.sid, role: 'admin' as Role }), 'MALFORMED');
    expectParleyError(() => cpaceStart({ password: '1', sid: 'x' as unknown as Uint8Array, role: 'rep' }), 'MALFORMED');
    expectParleyError(() => cpaceStart({ password: '1', sid: V.sid, role: 'rep', scalar: new Uint8Array(32) }), 'BAD_KEY');
    expectParleyError(
      () => cpaceStart({ password: '1', sid: V.sid, role: 'rep', scalar: new Uint8Array(32).fill(0xff) }),
      'BAD_KEY',
    );
  });

  it('fast-check: arbitrary bytes as the peer message only ever throw ParleyError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 })),
        (peer) => {
          const rep = cpaceStart({ password: '913775', sid: V.sid, role: 'rep' });
          try {
            const result = cpaceFinish(rep.state, peer);
            // If it decoded, the result must be well formed and not confirm against garbage.
            expect(result.isk.length).toBe(64);
            expect(result.verifyPeer(peer)).toBe(false);
          } catch (e) {
            expect(e).toBeInstanceOf(ParleyError);
            expect((e as ParleyError).code).toBe('BAD_KEY');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
