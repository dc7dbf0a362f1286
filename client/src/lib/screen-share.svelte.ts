/**
 * Screen sharing (customer → rep) as UI state, on top of the Session.
 *
 * The customer decides: the rep can only ask (`screen-request`); the customer's browser asks
 * which screen to share (getDisplayMedia, from a click) and the stream is added to the same
 * end-to-end encrypted peer connection, renegotiated over the data channel. Stopping (the red
 * button, the browser's own "Stop sharing", or leaving) takes the track off at once and
 * withdraws what was granted: a later request needs a new decision, and a re-paired link does
 * not bring the stream back by itself unless sharing is still on.
 */
import { ParleyError } from '@protocol/errors.ts';
import { PeerType, type ScreenState } from '@protocol/peer.ts';
import type { MessageKey } from './i18n/index.svelte.ts';
import type { Session } from './session.ts';

type Log = (key: MessageKey, params: Record<string, string | number>, level: 'info' | 'success' | 'warning' | 'error') => void;

export class ScreenShare {
  /** Customer: the rep asked and the customer has not answered yet. */
  requested = $state(false);
  /** Customer: our screen is being shared right now. */
  sharing = $state(false);
  /** Customer: the last attempt to start failed (permission refused, unsupported). */
  startError = $state<ParleyError | null>(null);
  /** Rep: the customer's live screen, while shared. */
  remote = $state.raw<MediaStream | null>(null);
  /** Rep: a request is waiting for the customer's answer. */
  awaitingAnswer = $state(false);

  private local: MediaStream | null = null;

  constructor(
    private readonly session: Session,
    private readonly log: Log,
    private readonly peerName: () => string,
  ) {
    if (session.role === 'customer') {
      session.on('screen-request', () => this.onRequest());
      session.on('link', (up) => up && this.reattach());
    } else {
      session.on('screen-state', (state) => this.onState(state));
      session.on('screen-stream', (stream) => this.onStream(stream));
    }
    session.on('state', (state) => {
      if (state !== 'ended' && state !== 'failed') return;
      // The share ends with the session: say so in the log, so the report shows when it stopped.
      if (this.sharing) this.log('event.screenStopped', {}, 'info');
      else if (this.remote) this.log('event.screenPeerStopped', { name: this.peerName() }, 'info');
      this.release();
    });
  }

  /** Rep: asks the customer to share. @throws ParleyError `PEER_GONE` when not connected. */
  request(): void {
    this.session.sendPeer({ type: PeerType.ScreenRequest });
    this.awaitingAnswer = true;
    this.log('event.screenRequested', { name: this.peerName() }, 'info');
  }

  /**
   * Customer: asks the browser for a screen and shares it. Must run from a click (browsers
   * only show the picker for a user gesture). Resolves false (with `startError`) on refusal.
   */
  async start(): Promise<boolean> {
    if (this.sharing) return true;
    this.startError = null;
    let stream: MediaStream;
    try {
      const media = globalThis.navigator?.mediaDevices;
      if (!media?.getDisplayMedia) throw new ParleyError('SCREEN_UNAVAILABLE', 'getDisplayMedia is not supported');
      stream = await media.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      this.startError = err instanceof ParleyError ? err : new ParleyError('SCREEN_DENIED', String(err));
      return false;
    }
    if (!this.session.linkUp) {
      for (const track of stream.getTracks()) track.stop();
      this.startError = new ParleyError('PEER_GONE', 'not connected');
      return false;
    }
    this.local = stream;
    // The browser's own "Stop sharing" bar ends the track: treat it like our red button.
    for (const track of stream.getVideoTracks()) track.addEventListener('ended', () => this.stop());
    try {
      this.session.addStream(stream);
      this.session.sendPeer({ type: PeerType.ScreenState, state: 'started' });
    } catch (err) {
      this.release();
      this.startError = err instanceof ParleyError ? err : new ParleyError('PEER_GONE', String(err));
      return false;
    }
    this.sharing = true;
    this.requested = false;
    this.log('event.screenStarted', {}, 'info');
    return true;
  }

  /** Customer: the rep's request is turned down. */
  decline(): void {
    this.requested = false;
    this.trySend('declined');
    this.log('event.screenDeclined', {}, 'info');
  }

  /** Customer: stops sharing at once and withdraws what was granted in this session. */
  stop(): void {
    const wasSharing = this.sharing;
    this.release();
    this.requested = false;
    if (!wasSharing) return;
    this.trySend('stopped');
    this.log('event.screenStopped', {}, 'info');
    this.log('event.permissionsWithdrawn', {}, 'info');
  }

  private onRequest(): void {
    if (this.sharing) return; // already answered
    this.requested = true;
    this.log('event.screenRequestReceived', { name: this.peerName() }, 'info');
  }

  private onState(state: ScreenState): void {
    this.awaitingAnswer = false;
    const name = this.peerName();
    if (state === 'started') this.log('event.screenPeerStarted', { name }, 'info');
    if (state === 'declined') this.log('event.screenPeerDeclined', { name }, 'info');
    if (state === 'stopped') {
      this.remote = null;
      this.log('event.screenPeerStopped', { name }, 'info');
    }
  }

  private onStream(stream: MediaStream): void {
    this.remote = stream;
    // A track removed by the customer ends here as well; the screen-state message says why.
    for (const track of stream.getTracks()) {
      track.addEventListener('ended', () => {
        if (this.remote === stream) this.remote = null;
      });
    }
  }

  /** After a re-pair the new connection has no track yet: share on it again if still sharing. */
  private reattach(): void {
    if (!this.sharing || !this.local) return;
    try {
      this.session.addStream(this.local);
      this.session.sendPeer({ type: PeerType.ScreenState, state: 'started' });
    } catch {
      this.stop();
    }
  }

  private trySend(state: ScreenState): void {
    try {
      this.session.sendPeer({ type: PeerType.ScreenState, state });
    } catch {
      // The link is down: the rep's copy of the stream ends with the connection anyway.
    }
  }

  /** Stops our tracks and takes them off the connection. */
  private release(): void {
    const stream = this.local;
    this.local = null;
    this.sharing = false;
    this.remote = null;
    this.awaitingAnswer = false;
    if (!stream) return;
    this.session.removeStream(stream);
    for (const track of stream.getTracks()) track.stop();
  }
}
