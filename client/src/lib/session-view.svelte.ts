/**
 * SessionView: the UI state of one session (runes), joining the framework-free Session to
 * the transcript store. Components read its fields and call its methods; they hold no logic.
 *
 * Ordering rule: every event is written to IndexedDB first and shown after, through one
 * serial queue so the log order on screen is the order on disk. If storage fails the event
 * is still shown (nothing is lost from view) and a storage warning is raised once.
 */
import { SvelteSet } from 'svelte/reactivity';
import type { SessionCode } from '@protocol/code.ts';
import type { Role } from '@protocol/cpace.ts';
import { ParleyError } from '@protocol/errors.ts';
import type { SasSymbol } from '@protocol/sas.ts';
import { attention } from './attention-dom.ts';
import { describeError, type UserError } from './errors.ts';
import { FilesView } from './files/files-view.svelte.ts';
import { notificationPreview } from './notify.ts';
import { formatTime, t, type MessageKey } from './i18n/index.svelte.ts';
import { Portal } from './portal.ts';
import type { DeskHandover } from './desk-request.svelte.ts';
import type { DeskAccepted, DeskRequeued } from '@protocol/desk.ts';
import type { Chat } from '@protocol/peer.ts';
import type { SharedMessage } from '@protocol/shared-session.ts';

/** What a shared session (shared-session-view.svelte.ts) wants to hear from the customer's view. */
export interface SharedSessionHooks {
  customerSaid(chat: Chat): void;
  hostSaid(chat: Chat): void;
  /** The customer's browser has chat `id` (its `ack`): a colleague's relayed line is delivered. */
  customerReceived(id: string): void;
  /** A shared-session message on the customer's link that is not for the customer view (none expected: warned). */
  fromCustomerLink(message: SharedMessage): void;
}
import { DeskSession, type DeskRepIdentity } from './desk-session.ts';
import type { DeskRoom } from './desk-portal.ts';
import { logSessionEvents } from './session-log.ts';
import { clearResumeState, conversationFromTranscript, saveSnapshot, savedKeys, type ResumeState } from './resume-state.ts';
import { toParleyError, type SessionState } from './session.ts';
import { ScreenShare } from './screen-share.svelte.ts';
import type { NewEvent, SessionOutcome, SessionRecord, TranscriptEvent, TranscriptStore } from './transcript.ts';
import { SessionTools } from './tools/session-tools.svelte.ts';
import { repDeskTools } from './tools/desk-view.ts';
import { verifySignedIdentity, type IdentityCheck } from '@protocol/customer-identity.ts';

export class SessionView {
  state = $state<SessionState>('idle');
  /** Stored events are immutable: a raw array (replaced on append) spares a deep proxy per message. */
  events = $state.raw<TranscriptEvent[]>([]);
  readonly delivered = new SvelteSet<string>();
  /** Our chat messages typed while the link was down, not sent yet (they go once it is back). */
  readonly pending = new SvelteSet<string>();
  code = $state<{ code: SessionCode; link: string; expiresAt: number } | null>(null);
  safetyCode = $state<SasSymbol[] | null>(null);
  /** False for a desk session until someone confirmed the safety code: show "not verified". */
  authenticated = $state(true);
  /** Customer, desk mode: the rep moved the chat to another queue; wait again with this ticket (DeskRequest.start). */
  requeued = $state<DeskRequeued | null>(null);
  error = $state<UserError | null>(null);
  storageError = $state<string | null>(null);
  peerName = $state<string | null>(null);
  peerUserAgent = $state<string | null>(null);
  /** Rep side: the customer's "how can we help?" text (plain text, shown as text). */
  peerRequest = $state<string | null>(null);
  /** Rep side: the customer's signed identity as checked against the desk's keys (null: none sent). */
  peerIdentity = $state<IdentityCheck | null>(null);
  peerTyping = $state(false);
  /** False while a dropped direct link is being re-paired (the session itself goes on). */
  linkUp = $state(true);
  /** Customer side: the last page the rep asked to open (shown as an "Open link" card). */
  pushedUrl = $state<{ url: string; opened: boolean } | null>(null);
  /** Rep side: when the next nudge is allowed (ms since the epoch). */
  nudgeReadyAt = $state(0);
  /** Customer side: nudges acted on so far (the chat window shakes at each). */
  nudges = $state(0);
  record = $state<SessionRecord | null>(null);
  /** Screen sharing of a live session (null for a stored one). */
  screen = $state<ScreenShare | null>(null);
  /** True when this view shows a stored session, not a live one. */
  readonly archived: boolean;
  /** File transfer (cards, attachments), running once the session is verified. */
  readonly files: FilesView;
  /** Offers, Mark as solved / Cancel chat, exit survey (tools/session-tools.svelte.ts). */
  readonly tools: SessionTools;
  /** How this side's end will be recorded when it comes (solved, cancelled, customer-ended). */
  private endOutcome: SessionOutcome | null = null;

  private session: DeskSession | null = null;
  /**
   * Whether `events` is the session's whole log: every event of a session begun here passes
   * through it, and a stored one is complete once loaded. Exports then use it and skip reading
   * the log back from IndexedDB (most of the time of a 100,000-event export).
   */
  private logComplete: boolean;
  private writes: Promise<unknown> = Promise.resolve();
  private unsaved = 0;
  private releaseLock: () => void = () => {};
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the customer left and deleted this session: nothing more is written. */
  private forgotten = false;
  /** Details known before the record exists (a desk session's sealed details): written with it. */
  private pendingDetails: Partial<SessionRecord> = {};
  /** Called for each chat message from the peer (the console counts unread messages per tab). */
  onPeerChat: ((name: string, text: string) => void) | null = null;

  /**
   * Holds a Web Lock named after the session while it is live, so another console tab that
   * restores sessions after a reload can tell it is still running here.
   */
  private holdLock(id: string): void {
    const locks = globalThis.navigator?.locks;
    if (!locks) return;
    void locks.request(sessionLockName(id), () => new Promise<void>((release) => (this.releaseLock = release)));
  }

  constructor(
    readonly role: Role,
    private readonly store: TranscriptStore,
    readonly ownName: string,
    archived: SessionRecord | null = null,
    /** Customer: the "how can we help?" text to send in the hello. */
    readonly request = '',
    /** Customer: a signed identity token from the organisation's site, sent in the hello. */
    private readonly identity = '',
  ) {
    this.archived = archived !== null;
    this.logComplete = archived === null;
    this.files = new FilesView({
      role,
      log: (key, params, level) => this.log(key, params, level),
      chat: (id, direction, text) => {
        const from: Role = direction === 'out' ? role : role === 'rep' ? 'customer' : 'rep';
        const name = from === role ? this.displayName : (this.peerName ?? defaultName(from));
        return this.append({ kind: 'chat', id, from, name, text, at: Date.now() });
      },
      acknowledge: (id) => this.session?.acknowledge(id),
      peerName: () => this.peerName ?? defaultName(role === 'rep' ? 'customer' : 'rep'),
      notify: (from, body) => attention.message(from, notificationPreview(body)),
    });
    this.tools = new SessionTools({
      role,
      send: (message) => {
        if (!this.session) throw new ParleyError('PEER_GONE');
        this.session.sendPeer(message);
      },
      log: (key, params, level) => this.log(key, params, level),
      warn: (err) => void this.log('event.error', { message: describeError(err, role).message }, 'warning'),
      saveRecord: (patch) => this.saveRecord(patch),
      setOutcome: (outcome) => (this.endOutcome = outcome),
      end: () => this.end(),
      events: () => this.events,
      peerName: () => this.peerName ?? defaultName(role === 'rep' ? 'customer' : 'rep'),
      connected: () => this.state === 'verified',
      deskSurvey: async () => (await import('./tools/desk-view.ts').then((m) => m.repDeskTools())).survey,
    });
    if (archived) {
      this.record = archived;
      this.state = archived.outcome === 'failed' ? 'failed' : 'ended';
      this.peerName = archived.peerName ?? null;
      this.peerUserAgent = archived.peerUserAgent ?? null;
      this.peerRequest = archived.peerRequest ?? null;
      this.peerIdentity = archived.peerIdentity ?? null;
    }
  }

  /** Our name as shown in the transcript (a customer may have given none). */
  get displayName(): string {
    return this.ownName || defaultName(this.role);
  }

  get live(): boolean {
    // `state` is read first: it is what makes this reactive (`session` is a plain field, set
    // later than the view for a rejoined session).
    const state = this.state;
    return state !== 'ended' && state !== 'failed' && this.session !== null;
  }

  /** The whole log when this view holds it (for exports), else undefined: read it from the store. */
  completeLog(): readonly TranscriptEvent[] | undefined {
    return this.logComplete ? this.events : undefined;
  }

  /** Loads a stored session's log (rep console after a reload, or history). */
  async load(): Promise<void> {
    if (!this.record) return;
    this.logComplete = false;
    const events = await this.store.events(this.record.id);
    for (const e of events) if (e.kind === 'receipt') this.delivered.add(e.id);
    this.events = events;
    this.logComplete = true;
  }

  /** Rep: open a room and show the code. */
  async start(): Promise<void> {
    const session = this.attach();
    try {
      await session.start();
    } catch (err) {
      this.fail(toParleyError(err));
    }
  }

  /** Customer: join with a parsed code. Resolves false (with `error` set) when joining failed. */
  async join(code: SessionCode, portal?: Portal): Promise<boolean> {
    const session = this.attach(portal);
    // Not awaited: the record write is queued ahead of every event, and joining need not wait for disk.
    void this.createRecord(code.nameplate);
    try {
      await session.join(code);
      return true;
    } catch {
      return false; // the session's 'failed' event already set `error` and logged it
    }
  }

  /** Rep: a chat from the support desk (accepted from the queue, or taken over from a colleague): Invite, Transfer and Move queue apply. */
  fromDesk = $state(false);

  /** Rep: accepts a waiting desk chat (offered or picked). Resolves false (with `error` set) when it could not (e.g. REQUEST_GONE). */
  async startFromQueue(requestId: string, rep: DeskRepIdentity): Promise<boolean> {
    const session = this.attach();
    this.authenticated = false;
    this.fromDesk = true;
    void this.createRecord();
    try {
      await session.startFromQueue(requestId, rep);
      return true;
    } catch {
      return false; // the session's 'failed' event already set `error` and logged it
    }
  }

  /**
   * Rep, shared sessions: takes over a customer a colleague handed over (colleague-link.ts
   * `takeCustomer`). The history received as a colleague heads the new transcript.
   */
  takeOver(link: { portal: Portal; room: DeskRoom; relays: string[] }, history: NewEvent[]): void {
    const session = this.attach(link.portal);
    this.authenticated = false;
    this.fromDesk = true;
    void this.createRecord().then(() => Promise.all(history.map((event) => this.append(event))));
    session.joinFromDesk(link.room, link.relays);
  }

  /** Customer: a rep accepted our desk request (DeskRequest `onAccepted`): pair on its portal. */
  joinFromDesk(handover: DeskHandover): void {
    const session = this.attach(handover.portal);
    this.authenticated = false;
    void this.createRecord();
    session.joinFromDesk(handover.accepted, handover.takeRelays());
  }

  /**
   * Shared sessions (shared-session-view.svelte.ts): what the customer says and what this rep
   * says to everyone is passed on to the colleagues; null outside a shared session.
   */
  shared: SharedSessionHooks | null = null;

  /** Rep, shared sessions: the customer's session, for the CustomerGate (the only way to it). */
  customerLink(): DeskSession | null {
    return this.role === 'rep' ? this.session : null;
  }

  /**
   * Rep, shared sessions: this view keeps the transcript of a session joined as an invited
   * colleague (no customer link of its own): the record opens now, closes with {@link endAsColleague}.
   */
  beginAsColleague(): Promise<void> {
    return this.createRecord();
  }

  endAsColleague(): void {
    void this.finish('ended');
  }

  /** Shared sessions: a line from or for the colleagues, written to this transcript. */
  addLine(event: NewEvent): Promise<void> {
    return this.append(event);
  }

  /** Our line `id` arrived where it was going: "Delivered", kept in the transcript as a receipt. */
  markDelivered(id: string): void {
    void this.append({ kind: 'receipt', id, at: Date.now() }).then(() => this.delivered.add(id));
  }

  /**
   * Customer: our rep handed the chat to a colleague. The log stays; a new session (new key
   * agreement, "not verified" again) starts on the same connection with the new rep.
   */
  private continueWithNewRep(old: DeskSession, accepted: DeskAccepted): void {
    // The old session's end is not this view's: its events are ignored from now on.
    this.session = null;
    const portal = old.releasePortal();
    this.files.close();
    const session = this.attach(portal);
    this.authenticated = false;
    this.safetyCode = null;
    this.peerName = accepted.repName;
    void this.log('shared.nowTalkingTo', { name: accepted.repName }, 'info');
    session.joinFromDesk(accepted, []);
  }

  /** The safety codes match (compared with the other person): the desk session becomes authenticated. */
  confirmSafetyCode(): void {
    this.session?.confirmSafetyCode();
  }

  /** Rep, desk mode: "Move queue". Returns the error to show, or null once moved (the session ends). */
  async moveToQueue(queue: string): Promise<UserError | null> {
    try {
      await this.session?.moveToQueue(queue);
      return null;
    } catch (err) {
      return describeError(err, this.role);
    }
  }

  /**
   * After a page reload: shows the stored transcript and rejoins the live session saved in
   * `state` (resume-state.ts). Resolves false (with `error` set and the session failed) when
   * the session can no longer be rejoined.
   */
  async resume(state: ResumeState, record: SessionRecord): Promise<boolean> {
    this.logComplete = false; // until load() has it
    this.record = record;
    this.peerName = record.peerName ?? null;
    this.peerUserAgent = record.peerUserAgent ?? null;
    this.peerRequest = record.peerRequest ?? null;
    this.peerIdentity = record.peerIdentity ?? null;
    this.holdLock(record.id);
    await this.load();
    const awaySince = this.events.at(-1)?.at ?? state.savedAt;
    this.linkUp = false; // until the re-paired link is up
    const session = this.attach();
    try {
      await session.resume({ ...savedKeys(state), ...conversationFromTranscript(this.events, this.role) });
      const seconds = Math.max(1, Math.round((Date.now() - awaySince) / 1000));
      void this.log('event.rejoined', { from: formatTime(awaySince), seconds }, 'warning');
      return true;
    } catch {
      clearResumeState(this.role, record.id);
      return false; // the session's 'failed' event already set `error` and logged it
    }
  }

  /** The page is closing or reloading: a verified session is kept for a rejoin, anything earlier ends. */
  pageHiding(): void {
    if (this.state === 'verified') this.session?.pageHiding();
    else this.session?.end();
  }

  /** Saves what a reload needs to rejoin (this tab's sessionStorage; never sent anywhere). */
  private persistForReload(): void {
    const snapshot = this.session?.resumeSnapshot();
    if (snapshot && this.record && !this.forgotten) saveSnapshot(this.role, snapshot, this.record.id);
  }

  private attach(portal?: Portal): DeskSession {
    // A DeskSession is a Session that can also run desk mode (desk-session.ts).
    const session = new DeskSession({ role: this.role, name: this.ownName, request: this.request, identity: this.identity || undefined, portal });
    this.session = session;
    const peer: Role = this.role === 'rep' ? 'customer' : 'rep';
    this.screen = new ScreenShare(session, (key, params, level) => void this.log(key, params, level), () => this.peerName ?? defaultName(peer));
    session.on('state', (state) => {
      if (this.session !== session) return; // replaced (a transfer): not this view's state any more
      this.state = state;
      if (state === 'ended' || state === 'failed') {
        clearResumeState(this.role, this.record?.id);
        this.peerTyping = false;
        this.files.close();
        this.linkUp = true; // nothing is reconnecting any more
      }
      if (state === 'ended') void this.finish('ended');
      if (state === 'ended' || state === 'failed') this.tools.sessionClosed();
    });
    session.on('tool', (message) => this.tools.receive(message));
    // The customer said goodbye: recorded as the customer's end (unless the rep chose an outcome first).
    session.on('peer-left', (reason) => {
      if (reason === 'left' && this.role === 'rep') this.endOutcome ??= 'customer-ended';
    });
    session.on('code', async (code) => {
      await this.createRecord(code.code.nameplate);
      this.code = code;
      this.log('event.sessionStarted', {}, 'info');
    });
    logSessionEvents(session, this.role, (key, params, level) => void this.log(key, params, level), () => this.peerName ?? defaultName(peer));
    session.on('resumed', ({ safetyCode, authenticated }) => {
      this.files.start(session);
      this.safetyCode = safetyCode;
      this.authenticated = authenticated;
      this.persistForReload();
    });
    session.on('peer-away', () => (this.peerTyping = false));
    session.on('requeued', (ticket) => (this.requeued = ticket));
    session.on('authenticated', () => {
      this.authenticated = true;
      this.persistForReload();
      this.log('event.safetyConfirmed', {}, 'success');
    });
    session.on('verified', ({ safetyCode, authenticated }) => {
      this.authenticated = authenticated;
      this.persistForReload();
      this.files.start(session);
      this.safetyCode = safetyCode;
      const code = safetyCode.map((s) => s.emoji).join(' ');
      this.saveRecord({ safetyCode: code });
      this.log('event.secured', {}, 'success');
      this.log('event.safetyShown', { code }, 'info');
    });
    session.on('hello', (hello) => {
      // A customer may give no name; the rep always has one.
      const name = hello.name.trim();
      this.peerName = name || (hello.role === 'rep' ? t('rep.name.default') : null);
      if (hello.userAgent) this.peerUserAgent = hello.userAgent;
      // Only a customer states a request (the protocol ignores one from a rep).
      const request = hello.role === 'customer' ? hello.request?.trim() : undefined;
      if (request) this.peerRequest = request;
      const patch: Partial<SessionRecord> = {};
      if (this.peerName) patch.peerName = this.peerName;
      if (hello.userAgent) patch.peerUserAgent = hello.userAgent;
      if (hello.locale) patch.peerLocale = hello.locale;
      if (request) patch.peerRequest = request;
      this.saveRecord(patch);
      if (hello.role === 'customer') void this.checkIdentity(hello.identity);
      if (this.peerName) this.log(hello.role === 'rep' ? 'event.repJoined' : 'event.customerJoined', { name: this.peerName }, 'info');
      else this.log('event.customerJoinedAnonymous', {}, 'info');
    });
    session.on('chat', (chat) => {
      this.peerTyping = false;
      const from: Role = this.role === 'rep' ? 'customer' : 'rep';
      // Shared sessions: a colleague's line relayed by our rep carries its author's name.
      const name = chat.author ?? this.peerName ?? defaultName(from);
      // Acknowledged on receipt (authenticated and valid): "delivered" means this browser has it.
      // Acking after the IndexedDB write would add ~4 ms to every round trip for a window of a
      // few ms, and the sender keeps its own stored copy either way.
      session.acknowledge(chat.id);
      attention.message(name, notificationPreview(chat.text));
      this.onPeerChat?.(name, chat.text);
      // `at` is our clock (the peer's `sentAt` is its claim, kept apart).
      void this.append({ kind: 'chat', id: chat.id, from, name, text: chat.text, at: Date.now(), sentAt: chat.sentAt });
      this.shared?.customerSaid(chat);
    });
    session.on('shared', (message) => {
      // Customer side: a colleague of our rep joined or left (only ones we are shown).
      if (message.type === 'participant-notice' && this.role === 'customer') {
        void this.log(message.event === 'joined' ? 'shared.customerJoined' : 'shared.customerLeft', { name: message.name }, 'info');
      } else this.shared?.fromCustomerLink(message);
    });
    session.on('handed-over', (accepted) => this.continueWithNewRep(session, accepted));
    session.on('chat-sent', (id) => this.pending.delete(id));
    session.on('ack', (id) => {
      this.pending.delete(id);
      this.markDelivered(id);
      this.shared?.customerReceived(id);
    });
    session.on('typing', (active) => {
      // A peer whose page froze or closed never says it stopped: the line goes after a while.
      clearTimeout(this.typingTimer);
      this.peerTyping = active;
      if (active) this.typingTimer = setTimeout(() => (this.peerTyping = false), TYPING_STALE_MS);
    });
    session.on('nudge', () => {
      const name = this.peerName ?? defaultName('rep');
      this.nudges++;
      attention.nudge(t('nudge.flash', { name }), { title: t('nudge.flash', { name }), body: t('nudge.notice') });
      void this.log('event.nudged', { name }, 'info');
    });
    session.on('link', (up) => {
      if (up) this.persistForReload(); // the epoch a reload must continue from
      if (up === this.linkUp) return;
      this.linkUp = up;
      if (!up) this.peerTyping = false;
      this.log(up ? 'event.linkRestored' : 'event.linkLost', {}, up ? 'success' : 'warning');
    });
    session.on('url-push', (url) => {
      // Opened without access back to this page; a blocked pop-up leaves the card to click.
      const opened = openInNewTab(url);
      this.pushedUrl = { url, opened };
      const name = this.peerName ?? defaultName('rep');
      void this.log(opened ? 'event.urlOpened' : 'event.urlBlocked', { name, url }, 'info');
    });
    session.on('failed', (err) => this.fail(err));
    return session;
  }

  /** Rep: checks the customer's signed identity against the desk's keys once, and keeps the verdict. */
  private async checkIdentity(token: string | undefined): Promise<void> {
    if (!token) return;
    const desk = await repDeskTools();
    const check = verifySignedIdentity(token, desk.customerSigning, Date.now());
    this.peerIdentity = check;
    this.saveRecord({ peerIdentity: check });
  }

  private fail(err: ParleyError): void {
    if (this.error) return; // told once (a failed start reports it as an event and as a rejection)
    this.error = describeError(err, this.role);
    this.state = 'failed';
    this.peerTyping = false;
    this.log('event.failed', { message: this.error.message }, 'error');
    void this.finish('failed');
  }

  private async createRecord(nameplate?: string): Promise<void> {
    if (this.record) return;
    this.record = { id: crypto.randomUUID(), role: this.role, startedAt: Date.now(), nameplate, ownName: this.displayName, ...this.pendingDetails };
    if (this.role === 'customer' && this.request.trim()) this.record.ownRequest = this.request.trim();
    this.holdLock(this.record.id);
    try {
      await this.enqueue(() => this.store.putSession($state.snapshot(this.record) as SessionRecord));
    } catch (err) {
      this.storageFailed(err);
    }
  }

  private async finish(how: 'ended' | 'failed'): Promise<void> {
    if (!this.record || this.record.endedAt) return;
    const outcome: SessionOutcome = how === 'failed' ? 'failed' : (this.endOutcome ?? 'ended');
    this.record.endedAt = Date.now();
    this.record.outcome = outcome;
    if (how === 'ended') void this.log('event.ended', {}, 'info');
    this.saveRecord({ endedAt: this.record.endedAt, outcome });
    this.releaseLock();
  }

  /**
   * Rep: what is known about the session from outside the peer link (a desk session's queue
   * and the customer's sealed details), shown in the details panel and heading every report.
   */
  describe(details: Partial<Pick<SessionRecord, 'queue' | 'peerName' | 'peerEmail' | 'peerVerified' | 'peerRequest' | 'peerBrowser' | 'peerOs' | 'recordingConsent'>>): void {
    if (details.peerName) this.peerName ??= details.peerName;
    if (details.peerRequest) this.peerRequest ??= details.peerRequest;
    if (!this.record) {
      Object.assign(this.pendingDetails, details);
      return;
    }
    Object.assign(this.record, details);
    this.saveRecord(details);
  }

  /** Updates the stored session record in order with the events; a failure raises the storage warning. */
  private saveRecord(patch: Partial<SessionRecord>): void {
    const id = this.record?.id;
    if (!id || this.forgotten) return;
    this.enqueue(() => this.store.updateSession(id, patch)).catch((err) => this.storageFailed(err));
  }

  private storageFailed(err: unknown): void {
    this.storageError ??= t('error.STORAGE', { detail: err instanceof Error ? err.message : String(err) });
  }

  /**
   * Sends a chat message. Returns false and sets `composerError` (the caller keeps the draft)
   * when it cannot be sent; the text is never dropped.
   */
  async send(text: string): Promise<{ ok: true } | { ok: false; error: UserError }> {
    if (!this.session) return { ok: false, error: describeError(new ParleyError('PEER_GONE'), this.role) };
    try {
      const chat = this.session.sendChat(text);
      if (this.session.isPending(chat.id)) this.pending.add(chat.id);
      this.shared?.hostSaid(chat);
      await this.append({ kind: 'chat', id: chat.id, from: this.role, name: this.displayName, text, at: chat.sentAt });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: describeError(err, this.role) };
    }
  }

  /** Rep: pushes a web address to the customer. Returns an error to show (the text is kept) or null. */
  async pushUrl(text: string): Promise<UserError | null> {
    if (!this.session) return describeError(new ParleyError('PEER_GONE'), this.role);
    try {
      const url = this.session.pushUrl(text);
      await this.log('event.urlPushed', { url }, 'info');
      return null;
    } catch (err) {
      return describeError(err, this.role);
    }
  }

  /** Rep: nudges the customer. Returns an error to show, or null. */
  nudge(): UserError | null {
    if (!this.session) return describeError(new ParleyError('PEER_GONE'), this.role);
    try {
      this.nudgeReadyAt = this.session.nudge();
      void this.log('event.nudgeSent', { name: this.peerName ?? defaultName('customer') }, 'info');
      return null;
    } catch (err) {
      return describeError(err, this.role);
    }
  }

  typing(active: boolean): void {
    this.session?.sendTyping(active);
  }

  end(): void {
    this.session?.end();
  }

  /**
   * Customer: leaves, then deletes this session's copy from this browser (record, events).
   * The delete is queued after every pending write and nothing is written after it, so no
   * straggling event can bring part of the transcript back. Resolves false if it failed.
   */
  async leaveAndForget(): Promise<boolean> {
    this.forgotten = true;
    this.end();
    this.events = [];
    this.delivered.clear();
    this.pushedUrl = null;
    const id = this.record?.id;
    if (!id) return true;
    return this.enqueue(() => this.store.deleteSession(id)).then(
      () => true,
      () => false,
    );
  }

  log(key: MessageKey, params: Record<string, string | number>, level: 'info' | 'success' | 'warning' | 'error'): Promise<void> {
    return this.append({ kind: 'system', key, params, level, at: Date.now() });
  }

  /** Writes, then shows. Serial so screen order = disk order. */
  private append(event: NewEvent): Promise<void> {
    return this.enqueue(async () => {
      // Checked when its turn comes: an event queued just before a leave is dropped too.
      if (this.forgotten) return;
      const id = this.record?.id;
      // Negative seq for what is shown but not stored: never collides with a stored event's key.
      const unsaved = () => ({ ...event, sessionId: id ?? '', seq: -++this.unsaved }) as TranscriptEvent;
      let stored: TranscriptEvent;
      if (!id) {
        // No session yet (the server refused to open one): nothing to keep, and no storage fault.
        stored = unsaved();
      } else {
        try {
          stored = await this.store.append(id, event);
        } catch (err) {
          // Show it anyway: losing it from view would be worse than not having it on disk.
          stored = unsaved();
          this.storageFailed(err);
        }
      }
      this.events = [...this.events, stored];
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.writes.then(task, task);
    this.writes = run.catch(() => {});
    return run;
  }

  /** Resolves when every pending write has landed (used before an export). */
  flushed(): Promise<unknown> {
    return this.writes;
  }

  destroy(): void {
    this.tools.dispose();
    this.session?.destroy();
    this.files.dispose();
    this.releaseLock();
  }
}

/** Typing refreshes every 2.5 s (Composer): without news for this long, the peer stopped. */
const TYPING_STALE_MS = 6_000;

export function sessionLockName(id: string): string {
  return `parley-session-${id}`;
}

function defaultName(role: Role): string {
  return t(role === 'rep' ? 'rep.name.default' : 'customer.name.default');
}

function openInNewTab(url: string): boolean {
  const tab = globalThis.open?.(url, '_blank');
  if (!tab) return false;
  tab.opener = null; // the opened page gets no handle on this one
  return true;
}
