/**
 * What a side says again about a transfer that ended (client/src/lib/files/final-answer.ts):
 * only the endings it decided, each with the message it sent at the time.
 */
import { describe, expect, it } from 'vitest';
import { finalAnswer } from '../../client/src/lib/files/final-answer.ts';
import { IncomingFile } from '../../client/src/lib/files/incoming.ts';
import { OutgoingFile } from '../../client/src/lib/files/outgoing.ts';
import type { Actor, FailureReason, TransferState } from '../../client/src/lib/files/types.ts';
import type { DeclineReason } from '../../protocol/file.ts';

const fid = 'f_Zx81kLq0aB2c';
const meta = { fid, name: 'log.txt', size: 5, mime: 'text/plain', sha256: '0'.repeat(64) };

interface Ending {
  state: TransferState;
  by?: Actor;
  failure?: FailureReason;
  declineReason?: DeclineReason;
}

const ended = <T extends IncomingFile | OutgoingFile>(t: T, ending: Ending): T => Object.assign(t, ending);
const received = (ending: Ending) => ended(new IncomingFile('b_4f0Qm2xY9kLp', meta), ending);
const sent = (ending: Ending) => ended(new OutgoingFile('b_4f0Qm2xY9kLp', meta, new Blob(['hello'])), ending);

describe('finalAnswer', () => {
  it.each([
    ['declined by me', { state: 'declined', by: 'me', declineReason: 'declined' }, { type: 'file-decline', fid, reason: 'declined' }],
    ['declined by the policy', { state: 'declined', by: 'auto', declineReason: 'size' }, { type: 'file-decline', fid, reason: 'size' }],
    ['cancelled by me', { state: 'cancelled', by: 'me' }, { type: 'file-cancel', fid, reason: 'cancelled' }],
    ['received whole', { state: 'done', by: 'me' }, { type: 'file-done', fid, ok: true }],
    ['corrupt', { state: 'failed', failure: 'corrupt' }, { type: 'file-done', fid, ok: false }],
    ['broken by the peer\'s frames', { state: 'failed', failure: 'protocol' }, { type: 'file-cancel', fid, reason: 'error' }],
    ['not checkable here', { state: 'failed', failure: 'check' }, { type: 'file-cancel', fid, reason: 'error' }],
  ] as const)('a received file %s: says it again', (_name, ending, message) => {
    expect(finalAnswer(received(ending))).toEqual(message);
  });

  it.each([
    ['cancelled by me', { state: 'cancelled', by: 'me' }, { type: 'file-cancel', fid, reason: 'cancelled' }],
    ['unreadable here', { state: 'failed', failure: 'read' }, { type: 'file-cancel', fid, reason: 'error' }],
  ] as const)('a sent file %s: says it again', (_name, ending, message) => {
    expect(finalAnswer(sent(ending))).toEqual(message);
  });

  it.each([
    ['declined by the peer', { state: 'declined', by: 'peer' }],
    ['cancelled by the peer', { state: 'cancelled', by: 'peer' }],
    ['failed as the peer said', { state: 'failed', failure: 'peer-error' }],
    ['ended with the session', { state: 'failed', failure: 'ended' }],
    ['interrupted', { state: 'failed', failure: 'interrupted' }],
    ['still going', { state: 'active' }],
    ['paused', { state: 'paused' }],
  ] as const)('a received file %s: nothing to say', (_name, ending) => {
    expect(finalAnswer(received(ending))).toBeNull();
  });

  it.each([
    ['delivered (the peer said so)', { state: 'done' }],
    ['declined by the peer', { state: 'declined', by: 'peer' }],
    ['found corrupt by the peer', { state: 'failed', failure: 'corrupt' }],
    ['cancelled by the peer', { state: 'cancelled', by: 'peer' }],
    ['waiting for the verdict', { state: 'verifying' }],
  ] as const)('a sent file %s: nothing to say', (_name, ending) => {
    expect(finalAnswer(sent(ending))).toBeNull();
  });
});
