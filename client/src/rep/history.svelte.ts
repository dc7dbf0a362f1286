/**
 * The console's history of past sessions: read once (records + one pass over the stored chat
 * messages), searched in memory as the rep types (debounced), read again when a session ends.
 */
import { buildEntry, EMPTY_QUERY, impossibleRange, searchHistory, type HistoryEntry, type HistoryQuery } from '../lib/history-search.ts';
import type { SessionRecord } from '../lib/transcript.ts';

export interface HistorySource {
  listSessions(limit?: number): Promise<SessionRecord[]>;
  chatTextIndex(): Promise<Map<string, string[]>>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Most sessions the history reads (newest first). */
export const HISTORY_LIMIT = 5000;
/** Typing pause before a search runs. */
export const SEARCH_DELAY_MS = 150;

export class HistoryState {
  entries = $state.raw<HistoryEntry[]>([]);
  results = $state.raw<HistoryEntry[]>([]);
  query = $state<HistoryQuery>({ ...EMPTY_QUERY });
  status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  error = $state<string | null>(null);
  private timer: unknown = null;
  private loads = 0;

  constructor(
    private readonly source: HistorySource,
    private readonly timers: Timers = realTimers,
    private readonly delayMs = SEARCH_DELAY_MS,
  ) {}

  get searching(): boolean {
    return Object.values(this.query).some((value) => value.trim() !== '');
  }

  get badRange(): boolean {
    return impossibleRange(this.query);
  }

  /** Reads every past session and its messages (one pass), then applies the current search. */
  async load(): Promise<void> {
    const load = ++this.loads;
    if (this.status !== 'ready') this.status = 'loading';
    try {
      const [records, texts] = await Promise.all([this.source.listSessions(HISTORY_LIMIT), this.source.chatTextIndex()]);
      if (load !== this.loads) return; // a newer load is under way
      this.entries = records.map((record) => buildEntry(record, texts.get(record.id)));
      this.status = 'ready';
      this.error = null;
      this.run();
    } catch (err) {
      if (load !== this.loads) return;
      this.status = 'error';
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Changes the search; it runs once typing pauses. */
  set(patch: Partial<HistoryQuery>): void {
    this.query = { ...this.query, ...patch };
    this.schedule();
  }

  clear(): void {
    this.query = { ...EMPTY_QUERY };
    this.run();
  }

  private schedule(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.run(), this.delayMs);
  }

  private run(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.results = searchHistory(this.entries, this.query);
  }

  dispose(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
