/**
 * Where each verified peer message goes, and who may send it: a message from the wrong role
 * (a customer pushing a URL, a rep sharing a screen state) is dropped with a warning, never
 * acted on. The Session owns the state; this is only the routing table.
 */
import { ParleyError } from '@protocol/errors.ts';
import { PeerType, type Hello, type PeerMessage } from '@protocol/peer.ts';
import { ToolType } from '@protocol/session-tools.ts';
import { SharedType } from '@protocol/shared-session.ts';
import { peerRole, type Role } from '@protocol/cpace.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';
import type { NudgeGate } from './nudge.ts';
import { PeerFloodGuard } from './peer-flood.ts';
import type { SessionEvents } from './session-contract.ts';

export interface Inbox {
  role: Role;
  emit: <K extends keyof SessionEvents>(event: K, payload: SessionEvents[K]) => void;
  warn: (err: ParleyError) => void;
  /** Runs a step whose throw ends the session (a hello from the wrong role or version). */
  fail: (step: () => void) => void;
  peerGone: (reason: 'ended' | 'left') => void;
  /** The peer's page is closing or reloading: it may come back (bye `away`). */
  peerAway: () => void;
  nudgesIn: NudgeGate;
  helloSeen?: boolean;
  /** Per-type rate limits on what the peer sends (made on first use). */
  flood?: PeerFloodGuard;
}

export function routePeerMessage(inbox: Inbox, message: PeerMessage): void {
  const { role, emit, warn } = inbox;
  // A modified peer may flood: past a rate no person reaches, drop (Session.warn logs it rarely).
  inbox.flood ??= new PeerFloodGuard();
  if (!inbox.flood.allow(message.type, Date.now())) return warn(new ParleyError('PEER_FLOODING', `${message.type} flood: dropped`));
  const onlyFor = (wanted: Role, what: string): boolean => {
    if (role === wanted) return true;
    warn(new ParleyError('MALFORMED', `${what} to a ${role}`));
    return false;
  };
  switch (message.type) {
    case PeerType.Hello:
      return inbox.fail(() => acceptHello(inbox, message));
    case PeerType.Chat:
      // The view acknowledges it (Session.acknowledge) as it takes it in. Only a rep relays a
      // colleague's words: a customer cannot pass its messages off as a rep's.
      if (message.author !== undefined && role === 'rep') {
        warn(new ParleyError('MALFORMED', 'chat author from a customer'));
        const { author: _dropped, ...chat } = message;
        return emit('chat', chat);
      }
      return emit('chat', message);
    case PeerType.Ack:
      globalThis.performance?.mark?.('parley:chat-acked', { detail: message.id });
      return emit('ack', message.id);
    case PeerType.Typing:
      return emit('typing', message.active);
    case PeerType.Bye:
      return message.reason === 'away' ? inbox.peerAway() : inbox.peerGone(message.reason);
    case PeerType.FingerprintProof:
      return warn(new ParleyError('MALFORMED', 'late fingerprint proof'));
    case PeerType.UrlPush:
      // Only a rep may open pages on the customer's side.
      if (onlyFor('customer', 'url-push')) emit('url-push', message.url);
      return;
    case PeerType.Nudge:
      if (onlyFor('customer', 'nudge')) acceptNudge(inbox);
      return;
    case PeerType.ScreenRequest:
      if (onlyFor('customer', 'screen-request')) emit('screen-request', undefined);
      return;
    case PeerType.ScreenState:
      if (onlyFor('rep', 'screen-state')) emit('screen-state', message.state);
      return;
    case PeerType.RtcSignal:
      return; // handled by the link itself
    // Session tools (session-tools.ts): offers and endings come from the rep, picks and answers from the customer.
    case ToolType.Offer:
    case ToolType.SessionEnd:
      if (onlyFor('customer', message.type)) emit('tool', message);
      return;
    case ToolType.OfferPick:
    case ToolType.SurveyAnswers:
    case ToolType.CustomerEnding:
      if (onlyFor('rep', message.type)) emit('tool', message);
      return;
    // Shared desk sessions (shared-session.ts). On a colleague link the host is the room's `rep`:
    // only it may say who is present, hand over history or speak to a customer about colleagues.
    case SharedType.History:
    case SharedType.Participants:
    case SharedType.Notice:
    case SharedType.HandoverReady:
      if (onlyFor('customer', message.type)) emit('shared', message);
      return;
    case SharedType.Line:
    case SharedType.Notes:
    case SharedType.LineReceived:
      return emit('shared', message);
    default:
      if ((message as { type: string }).type.startsWith('file-')) emit('file-message', message);
  }
}

/** A flood of nudges acts at most once per window, whatever the sender does. */
function acceptNudge(inbox: Inbox): void {
  const verdict = inbox.nudgesIn.receive(Date.now());
  if (verdict === 'act') inbox.emit('nudge', undefined);
  else if (verdict === 'warn') inbox.warn(new ParleyError('NUDGE_TOO_SOON', 'nudge inside the cooldown ignored'));
}

/** One hello, from the other role, speaking our version. */
function acceptHello(inbox: Inbox, hello: Hello): void {
  if (inbox.helloSeen) return inbox.warn(new ParleyError('MALFORMED', 'second hello'));
  if (hello.role !== peerRole(inbox.role)) throw new ParleyError('MALFORMED', 'peer claims our role');
  if (hello.version !== PROTOCOL_VERSION) throw new ParleyError('VERSION_MISMATCH', `peer speaks v${hello.version}`);
  inbox.helloSeen = true;
  inbox.emit('hello', hello);
}
