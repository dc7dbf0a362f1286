/**
 * Shared sessions in the rep console (Svelte 5 rune classes over the framework-free core):
 *
 * - {@link SharedHostView}: in the tab of the rep talking with the customer. Invites colleagues
 *   (colleague-link.ts), runs one desk Session per colleague link, feeds SharedHost with what the
 *   customer and this rep say (SessionView `shared` hooks), writes colleagues' and private lines
 *   to the tab's transcript, keeps the participants list, and hands the customer over (transfer).
 * - {@link SharedGuestView}: in the tab of an invited rep: its link with the host, the lines and
 *   history it receives, what it writes (to everyone or reps only), and taking the customer over.
 *
 * Nothing here talks to the customer except through SharedHost's CustomerGate.
 */
import type { DeskRoom } from './desk-portal.ts';
import type { DeskRepIdentity } from './desk-session.ts';
import { toBase64Url } from '@protocol/base64.ts';
import { ParleyError, toParleyError } from '@protocol/errors.ts';
import type { Chat } from '@protocol/peer.ts';
import type { Audience, HandoverQueue, HistoryLine, Participant, SharedMessage } from '@protocol/shared-session.ts';
import { attention } from './attention-dom.ts';
import { colleagueFiles, offerToColleagues } from './colleague-files.svelte.ts';
import { acceptInvitation, inviteColleague, takeCustomer, type LinkSocket, type SentInvitation } from './colleague-link.ts';
import type { UserError } from './errors.ts';
import type { FilesView } from './files/files-view.svelte.ts';
import type { ChosenFile } from './files/prepare.ts';
import { DeskSession as Session } from './desk-session.ts';
import type { SessionView, SharedSessionHooks } from './session-view.svelte.ts';
import { CustomerGate } from './shared-session-gate.ts';
import { SharedHost } from './shared-session-host.ts';
import { SharedGuest, type GuestLine } from './shared-session-guest.ts';
import { notificationPreview } from './notify.ts';
import type { NewEvent } from './transcript.ts';

export interface SharedViewOptions {
  rep: DeskRepIdentity;
  /** This rep's display name. */
  name: string;
  /** Desk config `sharedHistoryMinutes`. */
  historyMinutes: number;
  serverUrl?: string;
}

export class SharedHostView implements SharedSessionHooks {
  participants = $state<Participant[]>([]);
  /** The invitation waiting for an answer (one at a time). */
  pending = $state<{ inviteId: string; name: string; transfer: boolean } | null>(null);
  error = $state<ParleyError | null>(null);
  /** Set once the customer was handed over: the tab's outcome. */
  transferredTo = $state<string | null>(null);
  /** A colleague's notes (the latest), shown read-only next to this rep's own. */
  notes = $state<{ name: string; text: string } | null>(null);
  /**
   * Files between this rep and each colleague ("Reps only"), one view per colleague link; kept
   * after the colleague leaves, so its cards and received files stay in the log.
   */
  repFiles = $state.raw<FilesView[]>([]);

  private readonly host: SharedHost;
  private readonly links = new Map<string, { session: Session; invitation: SentInvitation; transfer: boolean; files: FilesView }>();
  /** Colleague links whose transfer the server allowed. */
  private readonly handoverAllowed = new Set<string>();

  constructor(
    private readonly view: SessionView,
    private readonly options: SharedViewOptions,
  ) {
    const customer = view.customerLink();
    if (!customer) throw new ParleyError('NOT_IN_ROOM', 'no customer session');
    this.host = new SharedHost({ gate: new CustomerGate(customer), hostName: options.name, customerName: () => view.peerName ?? '', historyMinutes: options.historyMinutes });
    this.host.on('participants', (list) => (this.participants = list));
    this.host.on('line', ({ line }) => void view.addLine(lineEvent(line, true)));
    this.host.on('warning', (err) => (this.error = err));
    this.host.on('notes', ({ name, text }) => (this.notes = { name, text }));
    this.host.on('delivered', (id) => view.markDelivered(id));
    this.participants = this.host.participants();
    // What was said before the first invitation: a joining colleague receives it too.
    this.host.seed(
      view.events.flatMap((e): HistoryLine[] =>
        e.kind === 'chat' && !e.private && e.text && /^[A-Za-z0-9_-]{8,64}$/.test(e.id) ? [{ id: e.id, text: e.text, sentAt: e.at, author: { kind: e.from, name: e.name }, to: 'all' }] : [],
      ),
    );
    view.shared = this;
  }

  /** True while a colleague is present (the "Reps only" choice makes sense). */
  get colleaguesPresent(): boolean {
    return this.participants.some((p) => p.kind === 'rep' && !p.host && p.status === 'present');
  }

  customerSaid(chat: Chat): void {
    this.host.customerSaid(chat);
  }

  hostSaid(chat: Chat): void {
    this.host.hostSaid(chat);
  }

  customerReceived(id: string): void {
    this.host.customerReceived(id);
  }

  fromCustomerLink(message: SharedMessage): void {
    this.error = new ParleyError('MALFORMED', `${message.type} from the customer`);
  }

  /** Invites a colleague (or, with `transfer`, asks one to take over). @throws ParleyError as the server refuses */
  async invite(to: { username: string } | { queue: string }, transfer: boolean, displayName: string): Promise<void> {
    if (this.pending) throw new ParleyError('INVITE_PENDING');
    const sid = this.customerSid();
    const invitation = await inviteColleague({ rep: this.options.rep, customerSid: sid, to, transfer, serverUrl: this.options.serverUrl });
    this.pending = { inviteId: invitation.inviteId, name: displayName, transfer };
    this.host.invited(invitation.inviteId, displayName);
    void invitation.answered.then((answer) => {
      this.pending = null;
      if (!answer) {
        this.host.inviteEnded(invitation.inviteId);
        void this.view.log('shared.declined', { name: displayName }, 'warning');
        return;
      }
      this.connect(invitation, answer, transfer);
    });
  }

  /** Shows a present colleague to the customer, or hides it again. */
  show(colleagueId: string, shown: boolean): void {
    try {
      this.host.show(colleagueId, shown);
    } catch (err) {
      this.error = toParleyError(err);
    }
  }

  /**
   * "Reps only": to the colleagues, never the customer.
   * @throws ParleyError PEER_GONE when no colleague is present (the composer keeps the text)
   */
  async sayToReps(text: string): Promise<void> {
    const line = this.host.sayToReps(text);
    await this.view.addLine({ kind: 'chat', id: line.id, from: 'rep', name: this.options.name, text, at: line.sentAt, private: true });
  }

  /** This rep's notes changed: the colleagues see them. */
  shareNotes(text: string): void {
    this.host.shareNotes(text);
  }

  /** "Reps only" attachments: offered to every present colleague, never to the customer. */
  sendFilesToReps(files: readonly ChosenFile[], text: string | undefined, onProgress?: (fraction: number) => void): Promise<UserError | null> {
    return offerToColleagues(this.repFiles, files, text, onProgress);
  }

  destroy(): void {
    for (const { session, invitation } of this.links.values()) {
      session.end();
      invitation.cancel();
    }
    this.links.clear();
    this.view.shared = null;
  }

  /** The tab is closing: frees the reps-only files' object URLs (download links, thumbnails). */
  disposeFiles(): void {
    for (const files of this.repFiles) files.dispose();
  }

  private connect(invitation: SentInvitation, answer: LinkSocket & { colleague: string }, transfer: boolean): void {
    const id = invitation.inviteId;
    const session = new Session({ role: 'rep', name: this.options.name, portal: answer.portal });
    const files = colleagueFiles(session, { write: (event) => this.view.addLine(event), ownName: this.options.name, colleagueName: () => answer.colleague, notify: offerArrived });
    this.links.set(id, { session, invitation, transfer, files });
    this.repFiles = [...this.repFiles, files];
    session.on('verified', () => {
      this.host.joined(id, answer.colleague, { send: (message) => session.sendPeer(message) });
      void this.view.log('shared.joined', { name: answer.colleague }, 'info');
      if (transfer) void this.handOver(id, answer.colleague);
    });
    session.on('shared', (message) => this.host.receive(id, message));
    session.on('state', (state) => {
      if (state !== 'ended' && state !== 'failed') return;
      this.links.delete(id);
      this.host.left(id);
      // A transfer the server allowed: the colleague closes our link once it has the customer.
      if (transfer && this.handoverAllowed.has(id)) return this.transferred(answer.colleague);
      if (!this.transferredTo) void this.view.log('shared.left', { name: answer.colleague }, 'info');
    });
    session.joinFromDesk(answer.room, answer.relays);
  }

  /** Transfer: the server lets the colleague take the customer, then the colleague is told. */
  private async handOver(id: string, name: string): Promise<void> {
    const link = this.links.get(id);
    if (!link) return;
    try {
      const sid = this.customerSid();
      await link.invitation.portal.desk.allowHandover(sid, id);
      this.handoverAllowed.add(id);
      this.host.handoverReady(id, sid, id, this.view.record?.queue);
      // The customer's link closes once it pairs with the colleague: this tab ends "transferred".
      this.view.customerLink()?.on('peer-left', () => this.transferred(name));
    } catch (err) {
      this.error = toParleyError(err);
    }
  }

  /** The customer now talks with `name`: this rep's part ends (its link to the customer closes). */
  private transferred(name: string): void {
    if (this.transferredTo) return;
    this.transferredTo = name;
    void this.view.log('shared.transferredTo', { name }, 'success');
    for (const { session } of this.links.values()) session.end();
    this.view.end();
  }

  private customerSid(): string {
    const snapshot = this.view.customerLink()?.resumeSnapshot();
    if (!snapshot) throw new ParleyError('PEER_GONE', 'the customer session is not live');
    return toBase64Url(snapshot.sid);
  }
}

export class SharedGuestView {
  lines = $state.raw<GuestLine[]>([]);
  participants = $state<Participant[]>([]);
  notes = $state<{ name: string; text: string } | null>(null);
  state = $state<'joining' | 'live' | 'ended' | 'taken-over'>('joining');
  safetyCode = $state<string | null>(null);
  error = $state<ParleyError | null>(null);

  /** Files with the host ("Reps only"), once the link with it exists. */
  files = $state.raw<FilesView | null>(null);

  /** Each line as it arrives or is written here (the console writes it to the tab's transcript). */
  onLine: ((event: NewEvent) => void) | null = null;
  /** A reps-only line of ours reached the other reps (the console marks it "Delivered"). */
  onDelivered: ((id: string) => void) | null = null;

  private guest: SharedGuest | null = null;
  private session: Session | null = null;
  /** The name the host's hello gave, until the participants list names it. */
  private helloName = '';

  constructor(private readonly options: SharedViewOptions) {}

  /** The customer's name as the host lists it (null until the participants arrive). */
  get customerName(): string | null {
    return this.participants.find((p) => p.kind === 'customer')?.name || null;
  }

  /** Accepts the invitation and joins the host. @throws ParleyError REQUEST_GONE (expired, withdrawn), … */
  async accept(inviteId: string): Promise<void> {
    const link = await acceptInvitation({ rep: this.options.rep, inviteId, serverUrl: this.options.serverUrl });
    const session = new Session({ role: 'customer', name: this.options.name, portal: link.portal });
    this.session = session;
    const guest = new SharedGuest({ send: (message) => session.sendPeer(message) }, this.options.name);
    this.guest = guest;
    guest.on('line', (line) => {
      this.lines = [...guest.lines];
      this.onLine?.(this.event(line));
    });
    guest.on('delivered', (id) => this.onDelivered?.(id));
    guest.on('participants', (list) => (this.participants = list));
    guest.on('notes', (notes) => (this.notes = notes));
    guest.on('warning', (err) => (this.error = err));
    session.on('shared', (message) => guest.receive(message));
    session.on('hello', (hello) => (this.helloName = hello.name));
    // A file step is written where lines are: the tab's transcript (onLine), after the lines before it.
    this.files = colleagueFiles(session, { write: async (event) => this.onLine?.(event), ownName: this.options.name, colleagueName: () => this.hostName, notify: offerArrived });
    session.on('verified', ({ safetyCode }) => {
      this.state = 'live';
      this.safetyCode = safetyCode.map((s) => s.emoji).join(' ');
    });
    session.on('state', (state) => {
      if ((state === 'ended' || state === 'failed') && this.state !== 'taken-over') this.state = 'ended';
    });
    session.on('failed', (err) => (this.error = err));
    session.joinFromDesk(link.room, link.relays);
  }

  /** The host's name as it lists itself (its hello's name until the list arrives). */
  private get hostName(): string {
    return this.participants.find((p) => p.host)?.name ?? this.helloName;
  }

  /**
   * Attachments go to the host only, as "Reps only": a colleague has no way of its own to the
   * customer, and the host does not relay files. Resolves to an error to show, or null.
   */
  sendFilesToHost(files: readonly ChosenFile[], text: string | undefined, onProgress?: (fraction: number) => void): Promise<UserError | null> {
    return offerToColleagues(this.files ? [this.files] : [], files, text, onProgress);
  }

  /** Writes to everyone or to the reps only. @throws ParleyError (the composer keeps the text) */
  say(text: string, to: Audience): void {
    if (!this.guest || this.state !== 'live') throw new ParleyError('PEER_GONE', 'not connected to the host');
    const line = this.guest.say(text, to);
    this.lines = [...this.guest.lines];
    this.onLine?.(this.event(line));
  }

  /** A line as this rep's transcript keeps it (another rep's lines marked as a colleague's). */
  private event(line: GuestLine): NewEvent {
    return lineEvent(line, line.author.kind === 'rep' && line.author.name !== this.options.name);
  }

  shareNotes(text: string): void {
    this.guest?.shareNotes(text);
  }

  /**
   * Transfer: runs `take` once the host let us take the customer (a SessionView for the new tab),
   * with the history and the chat's queue as the host named it.
   */
  onHandoverReady(take: (link: { portal: LinkSocket['portal']; room: DeskRoom; relays: string[] }, history: NewEvent[], queue: HandoverQueue | undefined) => void): () => void {
    if (!this.guest) return () => {};
    return this.guest.on('handover-ready', ({ sid, inviteId, queue }) => {
      void takeCustomer({ rep: this.options.rep, sid, inviteId, serverUrl: this.options.serverUrl }).then(
        (link) => {
          this.state = 'taken-over';
          take(link, this.lines.map((line) => this.event(line)), queue);
          this.session?.end();
        },
        (err: unknown) => (this.error = toParleyError(err)),
      );
    });
  }

  destroy(): void {
    this.session?.end();
    this.files?.dispose();
  }
}

/** A colleague's files arrived: the same attention as the customer's (title, sound, notification while hidden). */
function offerArrived(from: string, body: string): void {
  attention.message(from, notificationPreview(body));
}

/** A shared-session line as a transcript chat event. */
function lineEvent(line: { id: string; text: string; sentAt: number; author: { kind: 'customer' | 'rep'; name: string }; to: Audience; history?: boolean }, colleague: boolean): NewEvent {
  return {
    kind: 'chat',
    id: line.id,
    from: line.author.kind,
    name: line.author.name,
    text: line.text,
    at: line.sentAt,
    ...(colleague ? { colleague: true } : {}),
    ...(line.to === 'reps' ? { private: true } : {}),
    ...(line.history ? { history: true } : {}),
  };
}
