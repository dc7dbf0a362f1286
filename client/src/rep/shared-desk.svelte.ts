/**
 * What the console's shared-session controls need from the support desk: the colleagues and
 * invitations of this console's desk connection (DeskClient snapshot), the desk's queues, how
 * much history a joining rep gets, and who this rep is. Made once by RepApp; the session panes
 * read it. Also starts a tab's SharedHostView on its first invitation.
 */
import type { Colleague, Invitation } from '@protocol/desk.ts';
import { ParleyError } from '@protocol/errors.ts';
import type { DeskClient } from '../lib/desk-client.svelte.ts';
import { SharedHostView, type SharedViewOptions } from '../lib/shared-session-view.svelte.ts';
import type { ConsoleTab } from './console-tab.svelte.ts';

export interface QueueName {
  id: string;
  name: string;
}

export class SharedDesk {
  client = $state<DeskClient | null>(null);
  queues = $state<QueueName[]>([]);
  historyMinutes = $state(10);

  constructor(private readonly ownName: () => string) {}

  get colleagues(): Colleague[] {
    return this.client?.colleagues ?? [];
  }

  get invitations(): Invitation[] {
    return this.client?.invitations ?? [];
  }

  /** Who this rep is to the shared-session code; null before the desk connection exists. */
  options(): SharedViewOptions | null {
    const client = this.client;
    if (!client) return null;
    const name = this.ownName();
    return { rep: { ...client.repIdentity, displayName: name }, name, historyMinutes: this.historyMinutes };
  }

  /** The tab's shared-session host, made on first use (the customer session must be live). @throws ParleyError */
  hostOf(tab: ConsoleTab): SharedHostView {
    if (tab.host) return tab.host;
    const options = this.options();
    if (!options) throw new ParleyError('SERVER_UNREACHABLE', 'no desk connection');
    tab.host = new SharedHostView(tab.view, options);
    return tab.host;
  }

  /** Declines an invitation. @throws ParleyError */
  async decline(inviteId: string): Promise<void> {
    await this.client?.declineInvitation(inviteId);
  }
}
