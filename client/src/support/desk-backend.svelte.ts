/**
 * The portal's queue connection: PortalFlow's {@link PortalBackend} over the desk client
 * (DeskRequest: request, sealing for rep keys, position and wait updates, cancel). When a rep
 * accepts, the connection is handed over to the chat screen ({@link takeHandover}).
 */
import { untrack } from 'svelte';
import { DeskRequest, type DeskHandover, type DeskTicket } from '../lib/desk-request.svelte.ts';
import { saveTicket } from '../lib/desk-ticket-store.ts';
import type { PortalBackend, QueueListener, QueuedRequest } from '../lib/portal-flow.svelte.ts';
import type { CustomerDetails } from '@protocol/customer-details.ts';

/** Handovers waiting for the chat screen, by room id (one at a time in practice). */
const handovers = new Map<string, DeskHandover>();

/** The accepted chat's connection, for the chat screen (once). */
export function takeHandover(sid: string): DeskHandover | undefined {
  const handover = handovers.get(sid);
  handovers.delete(sid);
  return handover;
}

export function createPortalBackend(): PortalBackend {
  return {
    async request(details: CustomerDetails, listener: QueueListener, resume?: DeskTicket): Promise<QueuedRequest> {
      const request = new DeskRequest({
        onAccepted: (handover) => {
          handovers.set(handover.accepted.sid, handover);
          listener.accepted(handover.accepted);
        },
      });
      await request.start(details.queue, details, resume).catch((err: unknown) => {
        request.destroy();
        throw err;
      });
      // DeskRequest is a rune class: turn its state changes into the listener's calls.
      const stop = $effect.root(() => {
        $effect(() => {
          const { phase, position, waitSeconds, repsAvailable, ticket } = request;
          untrack(() => {
            // Kept for a reload: the place in the queue comes back (the flow forgets it when it ends).
            if (phase === 'waiting' && ticket) saveTicket({ ticket, recordingConsent: details.recordingConsent, signed: details.signed });
            if (phase === 'waiting' && position !== null) listener.waiting({ position, waitSeconds, repsAvailable });
            else if (phase === 'orphaned') listener.orphaned();
            else if (phase === 'failed') listener.failed(request.error?.code ?? 'CONNECTION_FAILED');
          });
        });
      });
      return {
        cancel: () => request.cancel(),
        close: () => {
          stop();
          request.destroy();
        },
      };
    },
  };
}
