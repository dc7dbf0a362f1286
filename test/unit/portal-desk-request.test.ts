/**
 * The server sends a customer's first `desk-waiting` before its answer to `desk-request`
 * (queue-memory.ts announces places as the request is added). With no rep online nothing else
 * follows, so DeskRequest must keep that early update, or the portal shows no place at all.
 * The same goes for `desk-resume` after a reload.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerDetails } from '../../protocol/customer-details.ts';
import { DeskRequest } from '../../client/src/lib/desk-request.svelte.ts';
import { Emitter } from '../../client/src/lib/emitter.ts';
import type { Portal, PortalEvents } from '../../client/src/lib/portal.ts';

const REQ = (n: number) => String(n).padStart(22, 'r');
const ada: CustomerDetails = { name: 'Ada', description: 'It beeps', queue: 'general' };

/** A portal whose `desk.request` announces places (ours and another's) before it answers. */
class EarlyPortal extends Emitter<PortalEvents> {
  readonly desk = {
    request: async () => {
      this.emit('desk-waiting', { requestId: REQ(2), position: 7, waitSeconds: 5, repsAvailable: 0 });
      this.emit('desk-waiting', { requestId: REQ(1), position: 3, waitSeconds: null, repsAvailable: 0 });
      return { requestId: REQ(1), requestToken: REQ(9), repKeys: [] };
    },
    // After a reload: the kept ticket takes the request back; its place comes first here too.
    resume: async (requestId: string) => {
      this.emit('desk-waiting', { requestId, position: 2, waitSeconds: 40, repsAvailable: 1 });
      return [];
    },
    details: async () => undefined,
  };
  async connect(): Promise<void> {}
  destroy(): void {}
}

describe('DeskRequest and an early desk-waiting', () => {
  it('takes the place that came before the answer, and only its own', async () => {
    const request = new DeskRequest({ portal: new EarlyPortal() as unknown as Portal });
    await request.start('general', ada);
    expect(request.phase).toBe('waiting');
    expect([request.position, request.waitSeconds, request.repsAvailable]).toEqual([3, null, 0]);
  });

  it('after a reload, the request taken back with its ticket shows the place sent before the answer', async () => {
    const request = new DeskRequest({ portal: new EarlyPortal() as unknown as Portal });
    await request.start('general', ada, { requestId: REQ(4), requestToken: REQ(9) });
    expect(request.phase).toBe('waiting');
    expect(request.ticket).toEqual({ requestId: REQ(4), requestToken: REQ(9) });
    expect([request.position, request.waitSeconds, request.repsAvailable]).toEqual([2, 40, 1]);
  });
});
