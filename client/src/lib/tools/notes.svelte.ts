/**
 * The rep's notes of one session: editable during and after it, saved as typed (debounced) to
 * the transcript store's `notes`, and never lost to a reload: every keystroke is also kept at
 * once in this tab's localStorage until the store has it (an IndexedDB write started while the
 * page unloads may never land), and a kept draft newer than the store wins on load.
 *
 * Shared sessions: `onchange` listeners hear every local edit (to send a `notes-update` over the
 * rep-to-rep channel), and `applyRemote` takes another rep's text (saved like a local edit).
 */
import type { TranscriptStore } from '../transcript.ts';

export type NotesStatus = 'idle' | 'saving' | 'saved' | 'error';

const DRAFT_PREFIX = 'parley.notes.draft.';
export const NOTES_SAVE_DELAY_MS = 300;

interface Draft {
  text: string;
  at: number;
}

export class SessionNotes {
  text = $state('');
  status = $state<NotesStatus>('idle');
  loaded = $state(false);

  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: string | null = null;
  private saving: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(text: string) => void>();

  constructor(
    private readonly store: TranscriptStore,
    readonly sessionId: string,
    private readonly storage: Storage | undefined = globalThis.localStorage,
  ) {}

  /** Reads the stored note, or a newer draft this tab kept (then saved to the store). */
  async load(): Promise<void> {
    const stored = await this.store.getNote(this.sessionId).catch(() => undefined);
    const draft = this.readDraft();
    if (this.pending !== null) return; // typed while loading: what was typed wins
    if (draft && draft.at > (stored?.updatedAt ?? 0) && draft.text !== stored?.text) {
      this.text = draft.text;
      this.schedule(draft.text, 0);
    } else {
      this.text = stored?.text ?? '';
      this.clearDraft();
    }
    this.loaded = true;
  }

  /** A local edit: kept at once, saved shortly, told to the listeners. */
  edit(text: string): void {
    this.text = text;
    this.schedule(text, NOTES_SAVE_DELAY_MS);
    for (const listener of this.listeners) listener(text);
  }

  /** Another rep's text (shared sessions, `notes-update`). */
  applyRemote(text: string): void {
    if (text === this.text) return;
    this.text = text;
    this.schedule(text, NOTES_SAVE_DELAY_MS);
  }

  onchange(listener: (text: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Saves now what waits (before an export or a request); resolves when the store has it. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    const text = this.pending;
    if (text !== null) {
      this.pending = null;
      this.saving = this.saving.then(() => this.save(text));
    }
    await this.saving;
  }

  private schedule(text: string, delay: number): void {
    this.pending = text;
    this.status = 'saving';
    this.writeDraft(text);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delay);
  }

  private async save(text: string): Promise<void> {
    try {
      await this.store.saveNote(this.sessionId, text);
      if (this.pending !== null) return; // more typed meanwhile: still saving
      // Held in memory while storage is down (the storage warning says so): the draft stays.
      if (this.store.health.problem) {
        this.status = 'idle';
      } else {
        this.status = 'saved';
        this.clearDraft();
      }
    } catch {
      this.pending ??= text; // kept for the next try (and in the draft)
      this.status = 'error';
    }
  }

  private readDraft(): Draft | null {
    try {
      const raw = this.storage?.getItem(DRAFT_PREFIX + this.sessionId);
      if (!raw) return null;
      const draft = JSON.parse(raw) as Partial<Draft>;
      return typeof draft.text === 'string' && typeof draft.at === 'number' ? { text: draft.text, at: draft.at } : null;
    } catch {
      return null;
    }
  }

  private writeDraft(text: string): void {
    try {
      this.storage?.setItem(DRAFT_PREFIX + this.sessionId, JSON.stringify({ text, at: Date.now() }));
    } catch {
      // storage full or blocked: the debounced save still runs
    }
  }

  private clearDraft(): void {
    try {
      this.storage?.removeItem(DRAFT_PREFIX + this.sessionId);
    } catch {
      // nothing to clean up then
    }
  }

  dispose(): void {
    void this.flush();
  }
}

const open = new WeakMap<TranscriptStore, Map<string, SessionNotes>>();

/** The one SessionNotes of a session on this page (the panel, exports and requests share it). */
export function notesFor(store: TranscriptStore, sessionId: string): SessionNotes {
  let byId = open.get(store);
  if (!byId) open.set(store, (byId = new Map()));
  let notes = byId.get(sessionId);
  if (!notes) {
    notes = new SessionNotes(store, sessionId);
    byId.set(sessionId, notes);
    void notes.load();
  }
  return notes;
}
