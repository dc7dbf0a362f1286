/**
 * What a Session promises its users: its states, the events it emits and the options it takes,
 * plus the `hello` each side introduces itself with. Kept apart from the state machine so the
 * contract reads in one place.
 */
import type { SessionCode } from '@protocol/code.ts';
import type { Role } from '@protocol/cpace.ts';
import type { DeskRequeued } from '@protocol/desk.ts';
import type { ParleyError } from '@protocol/errors.ts';
import { MAX_IDENTITY_TOKEN_CHARS } from '@protocol/customer-identity.ts';
import { MAX_LOCALE_CHARS, MAX_NAME_CHARS, MAX_REQUEST_CHARS, MAX_USER_AGENT_CHARS } from '@protocol/limits.ts';
import { PeerType, type Chat, type Hello, type PeerMessage, type ScreenState } from '@protocol/peer.ts';
import type { SasSymbol } from '@protocol/sas.ts';
import type { ToolMessage } from '@protocol/session-tools.ts';
import type { SharedMessage } from '@protocol/shared-session.ts';
import type { DeskAccepted } from '@protocol/desk.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';
import type { PeerLink, PeerLinkOptions } from './peer-link.ts';
import type { Portal } from './portal.ts';

export type SessionState = 'idle' | 'waiting' | 'joining' | 'pake' | 'connecting' | 'verified' | 'ended' | 'failed';


export interface SessionEvents {
  state: SessionState;
  /** Rep side: the room exists and the code can be shown. */
  code: { code: SessionCode; link: string; expiresAt: number };
  'peer-joined': void;
  'key-confirmed': void;
  /** `authenticated` false: a desk session (unauthenticated key agreement): show "not verified" until `confirmSafetyCode`. */
  verified: { safetyCode: SasSymbol[]; authenticated: boolean };
  /** Customer, desk mode: the rep sent the chat back to a queue; resume this request (DeskRequest.start with the ticket). */
  requeued: DeskRequeued;
  /** A desk session's safety code was confirmed by the people (Session.confirmSafetyCode). */
  authenticated: true;
  hello: Hello;
  chat: Chat;
  /** The peer has our chat message `id` (sent once, or again after a dropped link). */
  ack: string;
  /** A chat message typed while the link was down has now been sent (it is no longer pending). */
  'chat-sent': string;
  typing: boolean;
  /** Customer side: the rep asks to open this (already validated) http(s) address. */
  'url-push': string;
  /** Customer side: the rep asks for attention (already let through the cooldown). */
  nudge: void;
  /**
   * The direct link after verification: `false` when it dropped or stalled and a recovery is
   * under way (chat typed meanwhile waits as pending), `true` when a link is verified again.
   */
  link: boolean;
  /** A verified peer message whose type starts with `file-` (the file-transfer engine's). */
  'file-message': PeerMessage;
  /** A session-tools message from the right role (offer, offer-pick, session-end, survey-answers). */
  tool: ToolMessage;
  /** One opened bulk-channel frame (file chunk). */
  bulk: Uint8Array;
  /** Customer side: the rep asks to see the screen. */
  'screen-request': void;
  /** Rep side: what the customer did about screen sharing. */
  'screen-state': ScreenState;
  /** Rep side: the customer's screen-share stream arrived (again, after a re-pair). */
  'screen-stream': MediaStream;
  /**
   * The other side is gone: `ended` / `left` when it said goodbye (rep ends, customer leaves),
   * `lost` when the channel closed without a goodbye.
   */
  'peer-left': 'ended' | 'left' | 'lost';
  /** The peer's page closed or reloaded (its goodbye said so, or the server saw its socket go): it may come back. */
  'peer-away': void;
  /** The peer said its page is closing or reloading: whatever that page held in memory is gone. */
  'peer-page-closed': void;
  /** The peer is back in the signaling room after being away. */
  'peer-back': void;
  /** Our own connection to the signaling server: lost (the direct link goes on) or back and rejoined. */
  signaling: boolean;
  /** The session was rejoined after a page reload: same key, same safety code; a link is being re-paired. */
  resumed: { safetyCode: SasSymbol[]; authenticated: boolean };
  /** Customer, shared sessions: the chat goes on with another rep in a new room (see Session.releasePortal). */
  'handed-over': DeskAccepted;
  /** A shared-desk-session message (shared-session.ts), already checked for the sender's role. */
  shared: SharedMessage;
  /** A recoverable problem: one message was rejected. */
  warning: ParleyError;
  /** The session stopped because of this error (state is `failed`). */
  failed: ParleyError;
}

export interface SessionOptions {
  role: Role;
  name: string;
  /** Customer: the "how can we help?" text, sent in the (end-to-end encrypted) hello. */
  request?: string;
  /** Customer: a signed identity token from the organisation's site, sent in the hello. */
  identity?: string;
  serverUrl?: string;
  /** Where join links point; defaults to the page origin. */
  origin?: string;
  /** A portal opened ahead of time (see Portal.connect); the session takes it over. */
  portal?: Portal;
  /** Makes the peer link (tests pass an in-memory one; the default is WebRTC). */
  createLink?: (options: PeerLinkOptions) => PeerLink;
}

/**
 * Our `hello`: name cut to the limit; the customer adds its browser (for the rep's notes) and
 * its "how can we help?" text; both say which language they read.
 */
export function buildHello(role: Role, name: string, request?: string, identity?: string): Hello {
  const customer = role === 'customer';
  return {
    type: PeerType.Hello,
    version: PROTOCOL_VERSION,
    role,
    name: name.slice(0, MAX_NAME_CHARS),
    capabilities: ['chat', 'files', 'screen'],
    userAgent: customer ? globalThis.navigator?.userAgent.slice(0, MAX_USER_AGENT_CHARS) : undefined,
    locale: globalThis.navigator?.language.slice(0, MAX_LOCALE_CHARS),
    request: customer ? request?.trim().slice(0, MAX_REQUEST_CHARS) || undefined : undefined,
    // An over-long token would make the whole hello invalid: it is left out (the rep sees "Unverified").
    identity: customer && identity && identity.length <= MAX_IDENTITY_TOKEN_CHARS ? identity : undefined,
  };
}
