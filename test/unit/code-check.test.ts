import { describe, expect, it } from 'vitest';
import { CodeCheck } from '../../client/src/lib/code-check.ts';
import { expectParleyError } from './helpers.ts';

const sid = new Uint8Array(32).map((_, i) => i);
const code = { nameplate: '482', secret: '913775' };

function pair(customerCode = code) {
  return { rep: new CodeCheck({ code, sid, role: 'rep' }), customer: new CodeCheck({ code: customerCode, sid, role: 'customer' }) };
}

describe('CodeCheck', () => {
  it('the same code gives both sides the same confirmed key, once', () => {
    const { rep, customer } = pair();
    const repTag = rep.onPeerShare(customer.share);
    const customerTag = customer.onPeerShare(rep.share);
    rep.onPeerConfirmation(customerTag);
    customer.onPeerConfirmation(repTag);
    const repKey = rep.confirm();
    const customerKey = customer.confirm();
    expect(repKey).not.toBeNull();
    expect(customerKey).toEqual(repKey);
    expect(rep.confirmed && customer.confirmed).toBe(true);
    expect(rep.confirm()).toBeNull(); // handed out once
  });

  it('a tag that arrives before the share is kept until the share is processed', () => {
    const { rep, customer } = pair();
    const customerTag = customer.onPeerShare(rep.share);
    rep.onPeerConfirmation(customerTag);
    expect(rep.confirm()).toBeNull(); // the share is still missing
    rep.onPeerShare(customer.share);
    expect(rep.confirm()).not.toBeNull();
  });

  it('a different code fails the confirmation with BAD_KEY on both sides', () => {
    const { rep, customer } = pair({ nameplate: '482', secret: '913776' });
    const repTag = rep.onPeerShare(customer.share);
    const customerTag = customer.onPeerShare(rep.share);
    rep.onPeerConfirmation(customerTag);
    customer.onPeerConfirmation(repTag);
    expectParleyError(() => rep.confirm(), 'BAD_KEY');
    expectParleyError(() => customer.confirm(), 'BAD_KEY');
  });

  it('the same secret in another room (nameplate) is a different password', () => {
    const { rep, customer } = pair({ nameplate: '483', secret: '913775' });
    rep.onPeerShare(customer.share);
    rep.onPeerConfirmation(customer.onPeerShare(rep.share));
    expectParleyError(() => rep.confirm(), 'BAD_KEY');
  });

  it('a second share is REPLAYED; an invalid share is BAD_KEY', () => {
    const { rep, customer } = pair();
    rep.onPeerShare(customer.share);
    expectParleyError(() => rep.onPeerShare(customer.share), 'REPLAYED');
    const fresh = new CodeCheck({ code, sid, role: 'rep' });
    expectParleyError(() => fresh.onPeerShare(new Uint8Array(32).fill(255)), 'BAD_KEY');
  });

  it('a tampered tag is BAD_KEY', () => {
    const { rep, customer } = pair();
    rep.onPeerShare(customer.share);
    const tag = customer.onPeerShare(rep.share);
    tag[0]! ^= 1;
    rep.onPeerConfirmation(tag);
    expectParleyError(() => rep.confirm(), 'BAD_KEY');
  });
});
