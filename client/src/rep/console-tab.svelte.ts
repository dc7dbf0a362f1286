/**
 * One tab of the rep console: a session (live, or a past one reopened read-only) with what the
 * tab strip shows about it: its label, unread messages, and the elapsed-time state.
 */
import { formatCode } from '@protocol/code.ts';
import type { ElapsedThresholds } from '@protocol/desk-config.ts';
import { elapsedLevel, elapsedSeconds, elapsedSince, type ElapsedLevel } from '../lib/elapsed.ts';
import { formatDateTime, t, type MessageKey } from '../lib/i18n/index.svelte.ts';
import type { SessionView } from '../lib/session-view.svelte.ts';
import type { SharedGuestView, SharedHostView } from '../lib/shared-session-view.svelte.ts';

export interface ElapsedState {
  level: ElapsedLevel;
  /** Seconds since the rep last wrote (0 while idle). */
  seconds: number;
  /** Text alternative: the colour is never the only signal. */
  label: string;
}

export class ConsoleTab {
  /** Messages from the customer that arrived while another tab was shown. */
  unread = $state(0);
  /** Stable for the tab's life (a live session has no record id until the server opened a room). */
  readonly key = crypto.randomUUID();
  /** When the rep last wrote, else when the customer connected (elapsed.ts); derived from the log. */
  readonly since = $derived.by(() => elapsedSince(this.view.events, this.view.role));

  /** Shared sessions: this rep talks with the customer and invited colleagues (made on the first invitation). */
  host = $state<SharedHostView | null>(null);

  /**
   * Shared sessions: set when this tab is a session joined as an invited colleague (the view
   * then only keeps the transcript: there is no customer link of our own).
   */
  constructor(
    readonly view: SessionView,
    readonly guest: SharedGuestView | null = null,
  ) {}

  get recordId(): string | undefined {
    return this.view.record?.id;
  }

  /** The customer is there: closing the tab would cut them off, so it asks first. */
  get customerConnected(): boolean {
    return this.view.live && this.view.state === 'verified';
  }

  /** A colleague's tab still in the session (closing it leaves the session; the customer stays). */
  get guestLive(): boolean {
    return this.guest !== null && (this.guest.state === 'joining' || this.guest.state === 'live');
  }

  /** The customer's name, else the code to give them, else what the tab is. */
  get label(): string {
    const view = this.view;
    if (this.guest) return t('shared.tabGuest', { name: this.guest.customerName ?? view.peerName ?? t('customer.name.default') });
    if (view.peerName) return view.peerName;
    if (view.archived || !view.live) {
      const started = view.record?.startedAt;
      return started ? formatDateTime(started) : t('console.tab.starting');
    }
    if (view.state === 'verified') return t('rep.noName');
    if (view.code) return t('console.tab.waiting', { code: formatCode(view.code.code) });
    return t('console.tab.starting');
  }

  elapsed(now: number, thresholds: ElapsedThresholds): ElapsedState {
    const running = this.customerConnected;
    const since = this.since;
    const level = elapsedLevel(since, now, running, thresholds);
    if (level === 'idle' || since === null) return { level, seconds: 0, label: t('elapsed.idle') };
    const seconds = elapsedSeconds(since, now);
    const time = formatElapsed(seconds);
    const key: MessageKey = level === 'red' ? 'elapsed.red' : level === 'amber' ? 'elapsed.amber' : 'elapsed.ok';
    return { level, seconds, label: t(key, { time }) };
  }
}

/** "45 s", "3 min 05 s". */
export function formatElapsed(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? t('elapsed.minutes', { m, s: String(s).padStart(2, '0') }) : t('elapsed.seconds', { s });
}
