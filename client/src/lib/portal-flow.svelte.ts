/**
 * The customer portal's steps (`/support`), as one rune class the page renders:
 *
 * form → agreement (when configured; refusing ends the request) → recording consent (when asked)
 * → notification permission (when the browser could still ask) → queued (position, wait, hold
 * message, notices) → chat (a rep accepted; its exit survey is part of it) → done;
 * or from the queue: left (the customer left) / orphaned (nobody answered in time).
 *
 * The queue itself is the server's (signaling/desk); this class talks to it through a
 * {@link PortalBackend}, so the page does not depend on how the request travels.
 */
import type { ErrorCode } from '@protocol/errors.ts';
import { ParleyError } from '@protocol/errors.ts';
import type { CustomerDetails } from '@protocol/customer-details.ts';
import type { DeskAccepted, DeskWaiting } from '@protocol/desk.ts';
import type { Notice, PortalView, SurveyQuestion } from '@protocol/desk-config.ts';
import { emptyForm, forgetForm, initialQueue, loadSavedForm, saveForm, validateForm, type SupportForm, type SupportFormErrors } from './support-form.ts';
import type { Platform } from './user-agent.ts';
import type { DeskTicket } from './desk-request.svelte.ts';
import type { SavedTicket } from './desk-ticket-store.ts';

/** One request in a queue, as the page needs it. */
export interface QueuedRequest {
  /** Leaves the queue (the server forgets the request). */
  cancel(): Promise<void>;
  /** Stops listening (after accepted/orphaned, or when the page gives up). */
  close(): void;
}

export interface QueueListener {
  waiting(update: Pick<DeskWaiting, 'position' | 'waitSeconds' | 'repsAvailable'>): void;
  accepted(accepted: DeskAccepted): void;
  orphaned(): void;
  /** The connection to the server is gone for good (or the server refused the request later). */
  failed(code: ErrorCode): void;
}

export interface PortalBackend {
  /**
   * Queues a request with these details (sealed for the reps by the backend), or with `resume`
   * (a ticket kept over a reload) takes that waiting request back. Rejects with a ParleyError
   * (REQUEST_GONE: the kept request is over).
   */
  request(details: CustomerDetails, listener: QueueListener, resume?: DeskTicket): Promise<QueuedRequest>;
}

export type PortalStep =
  | 'loading'
  | 'load-failed'
  | 'form'
  | 'agreement'
  | 'refused'
  | 'consent'
  | 'notify'
  | 'queuing'
  | 'waiting'
  | 'left'
  | 'orphaned'
  | 'chat'
  | 'done';

export interface PortalFlowOptions {
  backend: () => Promise<PortalBackend>;
  fetchView: () => Promise<PortalView>;
  platform: Platform;
  /** `?queue=` of the page address. */
  requestedQueue: string | null;
  /** The organisation's signed identity token (from the address fragment), passed through as is. */
  signed?: string;
  /** Whether the browser could still show a notification permission prompt. */
  canAskNotifications: () => boolean;
  /** Whether this tab was in a chat before a reload (resume-state.ts): the chat screen rejoins it. */
  savedChat?: () => boolean;
  /** The waiting request of this tab before a reload (desk-ticket-store.ts); default none. */
  savedTicket?: () => SavedTicket | null;
  /** The request is over (accepted, left, orphaned, refused): its kept ticket goes. */
  forgetTicket?: () => void;
  now?: () => number;
}

/** A line of the waiting log: the hold message, repeated at its interval. */
export interface HoldLine {
  id: number;
  at: number;
}

export class PortalFlow {
  step = $state<PortalStep>('loading');
  view = $state<PortalView | null>(null);
  form = $state<SupportForm>(emptyForm());
  errors = $state<SupportFormErrors>({});
  recordingConsent = $state<boolean | undefined>(undefined);
  waiting = $state<Pick<DeskWaiting, 'position' | 'waitSeconds' | 'repsAvailable'> | null>(null);
  holdLines = $state<HoldLine[]>([]);
  /** Why queuing failed (shown on the form with the text kept), or why the wait ended. */
  requestError = $state<ErrorCode | null>(null);
  accepted = $state<DeskAccepted | null>(null);
  /** The queue (its name) a rep moved this chat to ("Move queue"), while waiting there. */
  movedTo = $state<string | null>(null);
  /** The customer left from a notice ("my problem is the known issue"): no exit survey. */
  leftFromNotice = $state(false);
  /** What the chat ended with (before the survey): set by the chat screen. */
  private queued: QueuedRequest | null = null;
  private holdTimer: ReturnType<typeof setInterval> | null = null;
  private nextHoldId = 1;
  private readonly now: () => number;

  /** The signed identity token: from the address, or kept over a reload with the ticket. */
  private signed: string | undefined;

  constructor(private readonly options: PortalFlowOptions) {
    this.signed = options.signed;
    this.now = options.now ?? Date.now;
  }

  get queues() {
    return this.view?.queues ?? [];
  }

  get activeNotices(): Notice[] {
    return (this.view?.portal.notices ?? []).filter((notice) => notice.enabled);
  }

  async load(): Promise<void> {
    this.step = 'loading';
    try {
      this.view = await this.options.fetchView();
    } catch {
      this.step = 'load-failed';
      return;
    }
    if (this.options.savedChat?.()) {
      this.step = 'chat'; // reloaded during a chat: the chat screen rejoins it (accepted stays null)
      return;
    }
    const ids = this.queues.map((q) => q.id);
    const saved = loadSavedForm();
    const queue = initialQueue(this.options.requestedQueue, ids);
    // A reload keeps what was typed; an explicit ?queue= of this page wins over the saved pick.
    this.form = saved ? { ...saved, queue: this.options.requestedQueue && queue ? queue : ids.includes(saved.queue) ? saved.queue : queue } : emptyForm(queue);
    this.step = 'form';
    // Reloaded while waiting: take the place in the queue back (the form keeps the text if that fails).
    const kept = saved ? this.options.savedTicket?.() : null;
    if (kept) {
      this.recordingConsent = kept.recordingConsent;
      this.signed ??= kept.signed;
      void this.enqueue(kept.ticket);
    } else this.options.forgetTicket?.();
  }

  /** Called on every edit: keeps the copy in sessionStorage, and clears that field's error. */
  edited(field: keyof SupportForm): void {
    saveForm($state.snapshot(this.form));
    if (this.errors[field]) this.errors = { ...this.errors, [field]: undefined };
    this.requestError = null;
  }

  /** "Start chat": checks the form, then the agreement / consent / notification steps, then queues. */
  submit(): boolean {
    this.errors = validateForm(this.form, this.queues.map((q) => q.id));
    if (Object.values(this.errors).some(Boolean)) return false;
    saveForm($state.snapshot(this.form));
    this.requestError = null;
    if (this.view?.portal.agreement.trim()) this.step = 'agreement';
    else this.afterAgreement();
    return true;
  }

  agree(): void {
    if (this.step === 'agreement') this.afterAgreement();
  }

  /** "I do not agree": nothing is sent; the form (kept) can be sent again. */
  refuse(): void {
    if (this.step === 'agreement') this.step = 'refused';
  }

  startOver(): void {
    this.step = 'form';
  }

  private afterAgreement(): void {
    this.recordingConsent = undefined;
    if (this.view?.portal.askRecordingConsent) this.step = 'consent';
    else this.afterConsent();
  }

  answerConsent(allow: boolean): void {
    if (this.step !== 'consent') return;
    this.recordingConsent = allow;
    this.afterConsent();
  }

  private afterConsent(): void {
    if (this.options.canAskNotifications()) this.step = 'notify';
    else void this.enqueue();
  }

  /** After the notification question, whatever the answer (the prompt itself is the page's). */
  notificationsAnswered(): void {
    if (this.step === 'notify') void this.enqueue();
  }

  details(): CustomerDetails {
    const form = this.form;
    const email = form.email.trim();
    return {
      name: form.name.trim(),
      ...(email ? { email } : {}),
      description: form.description.trim(),
      queue: form.queue,
      browser: this.options.platform.browser,
      os: this.options.platform.os,
      ...(this.recordingConsent !== undefined ? { recordingConsent: this.recordingConsent } : {}),
      ...(this.signed ? { signed: this.signed } : {}),
    };
  }

  private async enqueue(resume?: DeskTicket): Promise<void> {
    this.step = 'queuing';
    this.waiting = null;
    this.holdLines = [];
    this.leftFromNotice = false;
    this.accepted = null;
    try {
      const backend = await this.options.backend();
      this.queued = await backend.request(this.details(), {
        waiting: (update) => {
          if (this.step !== 'queuing' && this.step !== 'waiting') return;
          this.waiting = update;
          this.step = 'waiting';
        },
        accepted: (accepted) => {
          if (this.step !== 'queuing' && this.step !== 'waiting') return;
          this.stopHold();
          this.options.forgetTicket?.();
          this.movedTo = null;
          this.accepted = accepted;
          forgetForm(); // the details reached the rep: nothing left to lose
          this.step = 'chat';
        },
        orphaned: () => {
          if (this.step !== 'queuing' && this.step !== 'waiting') return;
          this.finishQueue();
          this.step = 'orphaned';
        },
        failed: (code) => {
          if (this.step !== 'queuing' && this.step !== 'waiting') return;
          this.finishQueue();
          this.requestError = code;
          this.step = 'form';
        },
      }, resume);
      if (this.step === 'queuing') this.step = 'waiting';
      this.startHold();
    } catch (err) {
      this.options.forgetTicket?.();
      this.requestError = err instanceof ParleyError ? err.code : 'SERVER_UNREACHABLE';
      this.step = 'form';
    }
  }

  private startHold(): void {
    const portal = this.view?.portal;
    if (!portal?.holdMessage.trim() || this.holdTimer) return;
    this.holdTimer = setInterval(() => {
      if (this.step !== 'waiting') return;
      // The log keeps the last few: a customer waiting an hour does not need sixty copies.
      this.holdLines = [...this.holdLines.slice(-4), { id: this.nextHoldId++, at: this.now() }];
    }, portal.holdIntervalSeconds * 1000);
  }

  private stopHold(): void {
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.holdTimer = null;
  }

  private finishQueue(): void {
    this.options.forgetTicket?.();
    this.stopHold();
    this.queued?.close();
    this.queued = null;
  }

  /** "Leave queue", or "Leave" on a notice (`fromNotice`: the customer skips the exit survey). */
  async leave(fromNotice = false): Promise<void> {
    if (this.step !== 'waiting' && this.step !== 'queuing') return;
    const queued = this.queued;
    this.queued = null;
    this.stopHold();
    this.leftFromNotice = fromNotice;
    this.step = 'left';
    try {
      await queued?.cancel(); // before closing: the cancel travels on that connection
    } catch {
      // The request is gone either way: the server drops it with the socket or at the orphan timeout.
    } finally {
      queued?.close();
    }
  }

  /**
   * The chat ended (either side), after its exit survey if there was one: the survey is part of
   * the chat (it travels over the session's channel: SessionEnding), so the goodbye comes next.
   */
  chatEnded(): void {
    if (this.step === 'chat') this.step = 'done';
  }

  /** The exit survey questions for a customer who ends the chat (none after leaving from a notice). */
  get exitSurvey(): SurveyQuestion[] {
    return this.leftFromNotice ? [] : (this.view?.survey ?? []);
  }

  /**
   * The rep sent the chat back to another queue ("Move queue"): wait there again with the
   * request's new ticket (the details are sealed again for that queue's reps).
   */
  backToQueue(moved: DeskTicket & { queue: string }): void {
    if (this.step !== 'chat') return;
    this.accepted = null;
    this.form = { ...this.form, queue: moved.queue };
    this.movedTo = this.queues.find((q) => q.id === moved.queue)?.name ?? moved.queue;
    void this.enqueue({ requestId: moved.requestId, requestToken: moved.requestToken });
  }

  /** The chat this tab was in before a reload cannot be rejoined (nothing kept): the form. */
  chatLost(): void {
    if (this.step !== 'chat' || this.accepted) return;
    this.form = emptyForm(initialQueue(this.options.requestedQueue, this.queues.map((q) => q.id)));
    this.step = 'form';
  }

  /** "Start a new chat" after the end: the same form, empty again. */
  newChat(): void {
    this.finishQueue();
    const queue = initialQueue(this.options.requestedQueue, this.queues.map((q) => q.id));
    if (this.step === 'done' || this.step === 'orphaned' || this.step === 'left') {
      // After a chat the form was already forgotten; after leaving or orphaned, keep the text.
      this.form = this.step === 'done' ? emptyForm(queue) : this.form;
    }
    this.errors = {};
    this.requestError = null;
    this.step = 'form';
  }

  destroy(): void {
    this.finishQueue();
  }
}
