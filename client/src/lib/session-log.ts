/**
 * The log lines a session's comings and goings leave in the transcript: who joined, the key
 * confirmed, the peer away and back, the server lost and found, the peer leaving, warnings.
 * Kept apart from SessionView, which handles the events that also change what is on screen.
 */
import type { Role } from '@protocol/cpace.ts';
import { describeError } from './errors.ts';
import type { MessageKey } from './i18n/index.svelte.ts';
import type { Session } from './session.ts';

type Log = (key: MessageKey, params: Record<string, string | number>, level: 'info' | 'success' | 'warning' | 'error') => void;

export function logSessionEvents(session: Session, role: Role, log: Log, peerName: () => string): void {
  let awaySince: number | null = null;
  session.on('peer-joined', () => log('event.peerJoined', {}, 'info'));
  // A desk session's keys are agreed without a code: encrypted, not yet authenticated.
  session.on('key-confirmed', () => log(session.authenticated ? 'event.keyConfirmed' : 'event.keyAgreed', {}, 'info'));
  session.on('peer-away', () => {
    awaySince = Date.now();
    log('event.peerAway', { name: peerName() }, 'warning');
  });
  session.on('peer-back', () => {
    const seconds = Math.max(1, Math.round((Date.now() - (awaySince ?? Date.now())) / 1000));
    awaySince = null;
    log('event.peerBack', { name: peerName(), seconds }, 'info');
  });
  session.on('signaling', (up) => log(up ? 'event.signalingBack' : 'event.signalingLost', {}, up ? 'info' : 'warning'));
  session.on('peer-left', (reason) => {
    const key = reason === 'ended' ? 'event.peerEnded' : reason === 'left' ? 'event.peerLeft' : 'event.peerLost';
    log(key, { name: peerName() }, reason === 'lost' ? 'warning' : 'info');
  });
  session.on('warning', (err) => log('event.error', { message: describeError(err, role).message }, 'warning'));
}
