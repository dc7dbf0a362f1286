/**
 * The rep console's state: the open tabs (live sessions and past transcripts reopened from the
 * history), which one is shown, unread counts, announcements, and what survives a reload.
 *
 * Reload: every live session of this browser tab saved its keys (resume-state.ts, one entry per
 * record) and the console saved which tabs were open (sessionStorage); on load each live one
 * rejoins and each past one reopens read-only. Sessions left open by a console that is gone
 * (no Web Lock held for them) are closed as "the console was reloaded".
 */
import type { ElapsedThresholds } from '@protocol/desk-config.ts';
import { ParleyError } from '@protocol/errors.ts';
import { attention } from '../lib/attention-dom.ts';
import { describeError, type UserError } from '../lib/errors.ts';
import { notificationPreview } from '../lib/notify.ts';
import type { OpenedEntry } from '../lib/queue-rows.ts';
import type { StartFromQueue } from './desk-source.ts';
import { Clock } from '../lib/clock.svelte.ts';
import { t } from '../lib/i18n/index.svelte.ts';
import { defaultThresholds } from '../lib/rep-view.ts';
import { clearResumeState, loadRepResumeStates } from '../lib/resume-state.ts';
import { SessionView, sessionLockName } from '../lib/session-view.svelte.ts';
import type { SessionRecord, TranscriptStore } from '../lib/transcript.ts';
import { ConsoleTab } from './console-tab.svelte.ts';
import { joinAsColleague } from './shared-tabs.ts';
import type { SharedGuestView, SharedViewOptions } from '../lib/shared-session-view.svelte.ts';

/** The pinned first tab: the history of past sessions (and the way to start one). */
export const HISTORY_TAB = 'history';
const TABS_KEY = 'parley.console.tabs';

export class RepConsole {
  tabs = $state<ConsoleTab[]>([]);
  /** The shown tab's key, or HISTORY_TAB. */
  activeKey = $state<string>(HISTORY_TAB);
  /** Said politely to screen readers (a message in a background tab, an offer). */
  announcement = $state('');
  thresholds = $state<ElapsedThresholds>(defaultThresholds());
  restoreError = $state<string | null>(null);
  /** Bumped when a session ends, so the history reads it again. */
  historyVersion = $state(0);
  readonly clock = new Clock();

  constructor(private readonly store: TranscriptStore) {}

  get active(): ConsoleTab | null {
    return this.tabs.find((tab) => tab.key === this.activeKey) ?? null;
  }

  /** Record ids open in a tab (the history marks them). */
  get openRecordIds(): Set<string> {
    return new Set(this.tabs.flatMap((tab) => (tab.recordId ? [tab.recordId] : [])));
  }

  select(key: string): void {
    if (key !== HISTORY_TAB && !this.tabs.some((tab) => tab.key === key)) return;
    this.activeKey = key;
    const tab = this.active;
    if (tab) tab.unread = 0;
  }

  /** "Start session": a new code session in a new tab. */
  async startCodeSession(ownName: string): Promise<ConsoleTab> {
    const tab = this.add(new SessionView('rep', this.store, ownName));
    this.select(tab.key);
    await tab.view.start();
    return tab;
  }

  /** A desk session the rep accepted (made by the desk plumbing): a tab of its own, shown at once. */
  adopt(view: SessionView): ConsoleTab {
    const tab = this.add(view);
    this.select(tab.key);
    return tab;
  }

  /**
   * Accepts a waiting desk chat (an offer, or picked from the list): a new tab whose record
   * carries the customer's details, shown once the server gave us the chat. Resolves to the
   * error to show (REQUEST_GONE when someone else took it) or null.
   */
  async acceptFromQueue(entry: OpenedEntry, ownName: string, start: StartFromQueue, queueName: string): Promise<UserError | null> {
    const view = new SessionView('rep', this.store, ownName);
    const customer = entry.customer;
    view.describe({
      queue: { id: entry.queue, name: queueName },
      ...(customer
        ? { peerName: customer.name, peerEmail: customer.email || undefined, peerRequest: customer.description, peerBrowser: customer.browser, peerOs: customer.os, recordingConsent: customer.recordingConsent }
        : {}),
    });
    if (!(await start(view, entry.requestId))) {
      const error = view.error;
      view.destroy();
      return error ?? describeError(new ParleyError('REQUEST_GONE'), 'rep');
    }
    this.adopt(view);
    return null;
  }

  /**
   * Accepts an invitation to a colleague's shared session: a tab of its own showing the recent
   * history and the conversation (shared-tabs.ts). Resolves to the error to show, or null.
   */
  async acceptInvitation(inviteId: string, options: SharedViewOptions): Promise<UserError | null> {
    return joinAsColleague(inviteId, options, {
      store: this.store,
      open: (view, guest) => {
        const tab = this.add(view, guest);
        this.select(tab.key);
        return tab;
      },
      close: (key) => this.close(key),
    });
  }

  /** A chat was just offered to this rep: a sound, a desktop notification while hidden, and words for screen readers. */
  offered(entry: OpenedEntry): void {
    const name = entry.customer?.name ?? t('queue.detailsUnavailable');
    this.announcement = t('console.announce.offer', { name });
    attention.offer(t('queue.notify.title', { name }), notificationPreview(entry.customer?.description ?? ''));
  }

  /** A past session, read-only; an already open one is just shown. */
  async openPast(record: SessionRecord): Promise<void> {
    const open = this.tabs.find((tab) => tab.recordId === record.id);
    if (open) return this.select(open.key);
    const view = new SessionView('rep', this.store, record.ownName, record);
    await view.load();
    const again = this.tabs.find((tab) => tab.recordId === record.id); // opened meanwhile
    this.select((again ?? this.add(view)).key);
  }

  /** Closes a tab; a live session in it ends (the UI asks first when the customer is connected). */
  close(key: string): void {
    const index = this.tabs.findIndex((tab) => tab.key === key);
    const tab = this.tabs[index];
    if (!tab) return;
    if (tab.view.live) tab.view.end();
    tab.host?.destroy();
    tab.host?.disposeFiles();
    if (tab.guest) {
      tab.guest.destroy();
      tab.view.endAsColleague();
    }
    tab.view.destroy();
    this.tabs = this.tabs.filter((other) => other !== tab);
    if (this.activeKey === key) this.select(this.tabs[Math.min(index, this.tabs.length - 1)]?.key ?? HISTORY_TAB);
    this.historyVersion++;
  }

  /** The page is closing or reloading: verified sessions keep their place for a rejoin. */
  pageHiding(): void {
    this.saveTabs();
    for (const tab of this.tabs) tab.view.pageHiding();
  }

  private add(view: SessionView, guest: SharedGuestView | null = null): ConsoleTab {
    const tab = new ConsoleTab(view, guest);
    view.onPeerChat = (name) => this.peerChat(tab, name);
    this.tabs = [...this.tabs, tab];
    return tab;
  }

  /** A customer wrote: counted and announced unless that tab is the one on screen. */
  private peerChat(tab: ConsoleTab, name: string): void {
    if (this.activeKey === tab.key) return;
    tab.unread++;
    this.announcement = t('console.announce.message', { name });
    attention.offscreenMessage();
  }

  /** A session in a tab ended or failed: the history lists it with its outcome. */
  sessionFinished(): void {
    this.historyVersion++;
  }

  /** Which tabs are open, for the reload (this browser tab only; record ids, nothing secret). */
  saveTabs(): void {
    const ids = this.tabs.flatMap((tab) => (tab.recordId ? [tab.recordId] : []));
    const active = this.active?.recordId ?? null;
    try {
      sessionStorage.setItem(TABS_KEY, JSON.stringify({ ids, active }));
    } catch {
      // storage blocked: the tabs are not reopened after a reload
    }
  }

  private loadTabs(): { ids: string[]; active: string | null } {
    try {
      const parsed: unknown = JSON.parse(sessionStorage.getItem(TABS_KEY) ?? 'null');
      if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { ids?: unknown }).ids)) {
        const { ids, active } = parsed as { ids: unknown[]; active?: unknown };
        return { ids: ids.filter((id): id is string => typeof id === 'string').slice(0, 50), active: typeof active === 'string' ? active : null };
      }
    } catch {
      // damaged or blocked: start with no tabs
    }
    return { ids: [], active: null };
  }

  /** After a reload: rejoin live sessions, reopen past ones, close the abandoned ones. */
  async restore(): Promise<void> {
    // A tab the rep opened or chose while this ran (a new session started at once) stays shown.
    const shownAtStart = this.activeKey;
    try {
      const saved = this.loadTabs();
      const resumable = new Map(loadRepResumeStates().map((state) => [state.recordId, state]));
      const ids = [...new Set([...saved.ids, ...resumable.keys()])];
      for (const record of await this.store.listSessions(10_000)) {
        if (!record.endedAt && !resumable.has(record.id)) await this.closeIfAbandoned(record);
      }
      const records = await this.store.listSessions(10_000);
      const byId = new Map(records.map((r) => [r.id, r]));
      const rejoins: Promise<unknown>[] = [];
      for (const id of ids) {
        const record = byId.get(id);
        const state = resumable.get(id);
        if (state && record && !record.endedAt) {
          const view = new SessionView('rep', this.store, record.ownName);
          this.add(view);
          rejoins.push(view.resume(state, record));
        } else {
          if (state) clearResumeState('rep', id);
          if (record) await this.reopenStored(record);
        }
      }
      const active = this.tabs.find((tab) => tab.recordId === saved.active) ?? this.tabs.at(-1);
      if (active && this.activeKey === shownAtStart) this.select(active.key);
      await Promise.all(rejoins);
    } catch (err) {
      this.restoreError = t('console.restoreFailed', { detail: err instanceof Error ? err.message : String(err) });
    }
  }

  private async reopenStored(record: SessionRecord): Promise<void> {
    const view = new SessionView('rep', this.store, record.ownName, record);
    await view.load();
    this.add(view);
  }

  /** A session still live in another console tab holds its lock: that one is left alone. */
  private async closeIfAbandoned(record: SessionRecord): Promise<void> {
    const close = async () => {
      await this.store.append(record.id, { kind: 'system', key: 'event.reloaded', level: 'warning', at: Date.now() });
      await this.store.updateSession(record.id, { endedAt: Date.now(), outcome: 'ended' });
    };
    const locks = globalThis.navigator?.locks;
    if (!locks) return close();
    await locks.request(sessionLockName(record.id), { ifAvailable: true }, (lock) => (lock ? close() : undefined));
  }
}
