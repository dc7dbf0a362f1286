/**
 * Files between reps ("Reps only", colleague-files.svelte.ts): the ordinary file engine over a
 * colleague link. Two fake desk sessions stand for the link (peer messages through the real
 * validator, bulk frames copied, both asynchronous); a third stands for the customer's link and
 * must never carry anything.
 */
import { describe, expect, it } from 'vitest';
import { colleagueFiles, offerToColleagues } from '../../client/src/lib/colleague-files.svelte.ts';
import type { DeskSession } from '../../client/src/lib/desk-session.ts';
import { Emitter } from '../../client/src/lib/emitter.ts';
import type { SessionEvents } from '../../client/src/lib/session-contract.ts';
import type { NewEvent } from '../../client/src/lib/transcript.ts';
import { DEFAULT_FILE_POLICY, type FilePolicy } from '../../protocol/file-policy.ts';
import { parsePeerMessage, type PeerMessage } from '../../protocol/peer.ts';

/** Both sides allow auto-accept from a rep: a colleague must still be asked. */
const POLICY: FilePolicy = { ...DEFAULT_FILE_POLICY, maxBytes: 300_000, types: ['text/*'], autoAcceptFromRep: true };

class FakeLinkSession extends Emitter<SessionEvents> {
  state: DeskSession['state'] = 'verified';
  filePolicy = POLICY;
  other: FakeLinkSession | null = null;
  readonly sent: PeerMessage[] = [];
  readonly acked: string[] = [];
  sendPeer(message: PeerMessage): void {
    this.sent.push(message);
    const wire = parsePeerMessage(JSON.parse(JSON.stringify(message)));
    setImmediate(() => this.other?.emit('file-message', wire));
  }
  sendBulk(plaintext: Uint8Array): Promise<void> {
    const copy = plaintext.slice();
    setImmediate(() => this.other?.emit('bulk', copy));
    return new Promise((resolve) => setImmediate(resolve));
  }
  acknowledge(id: string): void {
    this.acked.push(id);
  }
  verify(): void {
    this.state = 'verified';
    this.emit('verified', { safetyCode: [], authenticated: false });
  }
  end(): void {
    this.state = 'ended';
    this.emit('state', 'ended');
  }
}

function link() {
  const host = new FakeLinkSession();
  const guest = new FakeLinkSession();
  host.other = guest;
  guest.other = host;
  const events = { host: [] as NewEvent[], guest: [] as NewEvent[] };
  const side = (session: FakeLinkSession, own: 'host' | 'guest', ownName: string, colleague: string) =>
    colleagueFiles(session as unknown as DeskSession, { write: async (e) => void events[own].push(e), ownName, colleagueName: () => colleague, notify: () => {} });
  return { host, guest, events, hostFiles: side(host, 'host', 'Amy', 'Bo'), guestFiles: side(guest, 'guest', 'Bo', 'Amy') };
}

const textFile = (name: string, text: string, type = 'text/plain') => new File([text], name, { type });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('files between reps', () => {
  it('go over the colleague link only, are never auto-accepted, arrive intact, and every step is marked private', async () => {
    const { guest, events, hostFiles, guestFiles } = link();
    const customer = new FakeLinkSession(); // the customer's link: nothing here may touch it
    const content = 'REPBYTES '.repeat(20_000); // several chunks
    expect(await offerToColleagues([hostFiles], [textFile('notes.txt', content)], 'the refund form')).toBeNull();

    await until(() => guestFiles.batches.size === 1, 'the offer at the colleague');
    const [batch] = [...guestFiles.batches.values()];
    const item = batch!.items[0]!;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(item.transfer.state).toBe('offered'); // asked, even with autoAcceptFromRep
    guestFiles.accept(item.fid);
    await until(() => item.transfer.state === 'done', 'the file at the colleague');
    expect(await item.transfer.blob!.text()).toBe(content);
    await until(() => [...hostFiles.batches.values()][0]!.items[0]!.transfer.state === 'done', 'the sender told');

    expect(customer.sent).toEqual([]);
    for (const side of [events.host, events.guest]) {
      expect(side.length).toBeGreaterThan(2);
      expect(side.every((e) => e.kind !== 'receipt' && e.private === true)).toBe(true);
    }
    expect(events.guest.find((e) => e.kind === 'chat')).toMatchObject({ from: 'rep', name: 'Amy', text: 'the refund form', colleague: true, private: true });
    expect(events.host.find((e) => e.kind === 'chat')).toMatchObject({ from: 'rep', name: 'Amy', private: true });
    expect(events.host.find((e) => e.kind === 'chat')).not.toHaveProperty('colleague');
    expect(guest.acked).toEqual([batch!.id]);
  });

  it('refuse a file the policy forbids or one too large, naming the rule, and send nothing', async () => {
    const { host, hostFiles } = link();
    const wrongType = await offerToColleagues([hostFiles], [textFile('holiday.mov', 'x', 'video/quicktime')], undefined);
    expect(wrongType?.code).toBe('FILE_TYPE_NOT_ALLOWED');
    const tooLarge = await offerToColleagues([hostFiles], [textFile('big.txt', 'x'.repeat(POLICY.maxBytes + 1))], undefined);
    expect(tooLarge?.code).toBe('FILE_TOO_LARGE');
    expect(host.sent).toEqual([]);
  });

  it('say so when no colleague link is ready (none yet, or it ended)', async () => {
    const { host, hostFiles } = link();
    expect((await offerToColleagues([], [textFile('a.txt', 'a')], undefined))?.code).toBe('PEER_GONE');
    host.end();
    expect(hostFiles.ready).toBe(false);
    expect((await offerToColleagues([hostFiles], [textFile('a.txt', 'a')], undefined))?.code).toBe('PEER_GONE');
    expect(host.sent).toEqual([]);
  });

  it('decline an offer from the colleague that breaks the policy, without asking', async () => {
    const { host, guestFiles } = link();
    host.sendPeer({ type: 'file-offer', id: 'offer_0000001', files: [{ fid: 'file_00000001', name: 'x.exe', size: 10, mime: 'application/x-msdownload', sha256: 'a'.repeat(64) }] });
    await until(() => guestFiles.batches.size === 1, 'the offer');
    const item = [...guestFiles.batches.values()][0]!.items[0]!;
    expect(item.transfer.state).toBe('declined');
    expect(item.transfer.declineReason).toBe('type');
  });

  it('start only once the link is verified', async () => {
    const host = new FakeLinkSession();
    host.state = 'connecting';
    const files = colleagueFiles(host as unknown as DeskSession, { write: async () => {}, ownName: 'Amy', colleagueName: () => 'Bo', notify: () => {} });
    expect(files.ready).toBe(false);
    host.verify();
    expect(files.ready).toBe(true);
  });
});
