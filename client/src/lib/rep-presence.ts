/**
 * The console's presence line to the server: a socket that says `desk-presence` (available /
 * away) and stays connected while the console is open, so the rep counts as online. Told
 * `NOT_SIGNED_IN` (signed out elsewhere, removed from the config), it reports it once.
 */
import { io, type Socket } from 'socket.io-client';
import { DeskClientEvent } from '@protocol/desk.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';

export type PresenceChoice = 'available' | 'away';

export class RepPresence {
  #socket: Socket | null = null;
  #choice: PresenceChoice = 'available';

  constructor(private readonly onSignedOut: () => void) {}

  start(): void {
    if (this.#socket) return;
    const socket = io(location.origin, { auth: { version: PROTOCOL_VERSION }, transports: ['websocket'] });
    this.#socket = socket;
    // Said again after every reconnect: the server forgets a socket that went away.
    socket.on('connect', () => this.#send());
    socket.on('server-error', (payload: { code?: string }) => {
      if (payload?.code === 'NOT_SIGNED_IN') {
        this.stop();
        this.onSignedOut();
      }
    });
  }

  set(choice: PresenceChoice): void {
    this.#choice = choice;
    this.#send();
  }

  #send(): void {
    if (this.#socket?.connected) this.#socket.emit(DeskClientEvent.Presence, { status: this.#choice });
  }

  stop(): void {
    this.#socket?.disconnect();
    this.#socket = null;
  }
}
