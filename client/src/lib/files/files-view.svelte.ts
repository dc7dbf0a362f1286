/**
 * FilesView: the UI state of file transfer in one session (runes). It runs the engine over the
 * session's file channel, mirrors each transfer for the cards (progress refreshed a few times a
 * second, not per chunk), and writes every step to the transcript as a system event carrying
 * the batch id, so the log can place the card where the offer happened.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { Role } from '@protocol/cpace.ts';
import { ParleyError } from '@protocol/errors.ts';
import { isFileMessage, type DeclineReason, type FileMeta } from '@protocol/file.ts';
import { DEFAULT_FILE_POLICY, type FilePolicy } from '@protocol/file-policy.ts';
import { describeError, type UserError } from '../errors.ts';
import type { MessageKey } from '../i18n/index.svelte.ts';
import type { Session } from '../session.ts';
import { describeDeclineReason, describeFailure } from './describe.ts';
import { FileTransfers } from './engine.ts';
import { formatBytes } from './format.ts';
import type { ChosenFile } from './prepare.ts';
import { makePreview, previewBlob } from './preview.ts';
import { RateMeter } from './rate.ts';
import { FINAL_STATES, type Actor, type Batch, type Direction, type FailureReason, type Transfer, type TransferState, type TransferUpdate } from './types.ts';

/** How often progress, speed and time left are refreshed on screen. */
const REFRESH_MS = 250;

/** One file's card row. */
export class TransferItem {
  state = $state<TransferState>('offered');
  bytes = $state(0);
  by = $state<Actor | undefined>(undefined);
  declineReason = $state<DeclineReason | undefined>(undefined);
  failure = $state<FailureReason | undefined>(undefined);
  /** Bytes per second, when known. */
  speed = $state<number | null>(null);
  secondsLeft = $state<number | null>(null);
  /** Receiver, once the file is checked: an object URL of it, for the download link. */
  downloadUrl = $state<string | null>(null);
  /** An object URL of the offered thumbnail (never the offer's data URL itself). */
  readonly previewUrl: string | null;
  private readonly meter = new RateMeter();

  constructor(readonly transfer: Transfer) {
    const preview = previewBlob(transfer.meta.preview);
    this.previewUrl = preview ? URL.createObjectURL(preview) : null;
    this.sync(Date.now());
  }

  get fid(): string {
    return this.transfer.fid;
  }
  get direction(): Direction {
    return this.transfer.direction;
  }
  get meta(): FileMeta {
    return this.transfer.meta;
  }

  /** Copies the engine's state; speed and time left from the recent pace. */
  sync(now: number): void {
    const t = this.transfer;
    this.state = t.state;
    this.by = t.by;
    this.declineReason = t.declineReason;
    this.failure = t.failure;
    this.bytes = t.bytes;
    if (t.state === 'active') {
      this.meter.add(now, t.bytes);
      this.speed = this.meter.bytesPerSecond();
      this.secondsLeft = this.meter.secondsLeft(t.meta.size);
    } else {
      this.meter.reset();
      this.speed = null;
      this.secondsLeft = null;
    }
    if (t.state === 'done' && t.blob && !this.downloadUrl) this.downloadUrl = URL.createObjectURL(t.blob);
  }

  dispose(): void {
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
  }
}

/** One offer: the files sent with one message. */
export class BatchItem {
  readonly id: string;
  readonly direction: Direction;
  readonly items: TransferItem[];

  constructor(batch: Batch) {
    this.id = batch.id;
    this.direction = batch.direction;
    this.items = batch.transfers.map((t) => new TransferItem(t));
  }
}

/** What the files view needs from the session view around it. */
export interface FilesHost {
  role: Role;
  /** Appends a system event to the transcript (written, then shown). */
  log(key: MessageKey, params: Record<string, string | number>, level: 'info' | 'success' | 'warning' | 'error'): Promise<void>;
  /** Appends the message sent (`out`) or received (`in`) with a batch as a chat event with the batch's id. */
  chat(id: string, direction: Direction, text: string): Promise<void>;
  /** Acknowledges a received message (its sender sees "Delivered"). */
  acknowledge(id: string): void;
  /** The other side's display name. */
  peerName(): string;
  /** Draws the person's attention to an incoming offer (title, sound, notification while hidden). */
  notify(from: string, body: string): void;
}

export class FilesView {
  readonly batches = new SvelteMap<string, BatchItem>();
  policy = $state<FilePolicy>(DEFAULT_FILE_POLICY);
  /** True once the session is verified and files can be offered. */
  ready = $state(false);
  private engine: FileTransfers | null = null;
  private readonly items = new Map<string, TransferItem>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: FilesHost) {}

  /** The other side's display name (for the cards). */
  get peerName(): string {
    return this.host.peerName();
  }

  /** Starts file transfer on a verified session. */
  start(session: Session): void {
    if (this.engine) return;
    this.policy = session.filePolicy;
    const engine = new FileTransfers({
      role: this.host.role,
      policy: session.filePolicy,
      link: { sendFileMessage: (m) => session.sendPeer(m), sendBulk: (p) => session.sendBulk(p) },
    });
    this.engine = engine;
    session.on('file-message', (message) => isFileMessage(message) && engine.handleMessage(message));
    session.on('bulk', (frame) => engine.handleBulk(frame));
    session.on('link', (up) => engine.handleLink(up));
    session.on('peer-page-closed', () => engine.peerPageClosed());
    engine.on('batch', (batch) => this.onBatch(batch));
    engine.on('update', (update) => this.onUpdate(update));
    engine.on('warning', (err) => void this.host.log('event.error', { message: describeError(err, this.host.role).message }, 'warning'));
    this.ready = true;
  }

  /**
   * Offers files with an optional message. Returns an error to show (the caller keeps the files
   * and the text) or null once the offer is out.
   */
  async send(files: readonly ChosenFile[], text: string | undefined, onProgress?: (fraction: number) => void): Promise<UserError | null> {
    if (!this.engine) return describeError(new ParleyError('PEER_GONE'), this.host.role);
    try {
      await this.engine.offer(files, text || undefined, {
        makePreview: (file, mime) => makePreview(file.slice(), mime),
        onProgress: (hashed, total) => onProgress?.(total ? hashed / total : 1),
      });
      return null;
    } catch (err) {
      return describeError(err, this.host.role);
    }
  }

  accept(fid: string): void {
    this.engine?.accept(fid);
  }

  decline(fid: string): void {
    this.engine?.decline(fid);
  }

  cancel(fid: string): void {
    this.engine?.cancel(fid);
  }

  /** The session is over: unfinished transfers fail; received files stay downloadable. */
  close(): void {
    this.engine?.close();
    this.ready = false;
    this.stopTimer();
  }

  /** Frees the object URLs (the view is going away). */
  dispose(): void {
    this.close();
    for (const item of this.items.values()) item.dispose();
  }

  private onBatch(batch: Batch): void {
    const view = new BatchItem(batch);
    for (const item of view.items) this.items.set(item.fid, item);
    this.batches.set(view.id, view);
    if (batch.direction === 'in') this.host.notify(this.host.peerName(), batch.text ?? batch.transfers.map((t) => t.meta.name).join(', '));
    if (!batch.text) return;
    // Logged before the files' events, so the message sits right above its card.
    void this.host.chat(batch.id, batch.direction, batch.text);
    if (batch.direction === 'in') this.host.acknowledge(batch.id);
  }

  private onUpdate({ transfer: t, what, by }: TransferUpdate): void {
    this.items.get(t.fid)?.sync(Date.now());
    // Marks let the benchmark (and the browser's performance panel) time each step of a transfer.
    globalThis.performance?.mark?.(`parley:file-${t.direction}-${what}`, { detail: t.fid });
    if (!FINAL_STATES.has(t.state) && t.state !== 'offered') this.startTimer();
    const name = this.host.peerName();
    const file = t.meta.name;
    const base = { batch: t.batchId, fid: t.fid, file };
    const described = { ...base, size: formatBytes(t.meta.size), sha256: t.meta.sha256 };
    const out = t.direction === 'out';
    const log = this.host.log.bind(this.host);
    switch (what) {
      case 'offered':
        return void (out ? log('event.fileOffered', described, 'info') : log('event.fileOfferReceived', { ...described, name }, 'info'));
      case 'accepted':
        if (out) return void log('event.filePeerAccepted', { ...base, name }, 'info');
        return void log(by === 'auto' ? 'event.fileAutoAccepted' : 'event.fileAccepted', base, 'info');
      case 'declined': {
        const reason = t.declineReason ?? 'declined';
        if (reason === 'declined') return void log(by === 'me' ? 'event.fileDeclined' : 'event.filePeerDeclined', { ...base, name }, 'info');
        const why = describeDeclineReason(reason, t, this.policy);
        return void log(out ? 'event.filePeerRefused' : 'event.fileAutoDeclined', { ...base, name, reason: why }, 'warning');
      }
      case 'cancelled':
        return void log(by === 'me' ? 'event.fileCancelled' : 'event.filePeerCancelled', { ...base, name }, 'warning');
      case 'done':
        return void (out ? log('event.fileSent', { ...described, name }, 'success') : log('event.fileReceived', { ...described, name }, 'success'));
      case 'failed':
        return void log('event.fileFailed', { ...base, reason: describeFailure(t.failure) }, 'error');
    }
  }

  private startTimer(): void {
    this.timer ??= setInterval(() => this.refresh(), REFRESH_MS);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Progress of running transfers; the timer stops when none is left. */
  private refresh(): void {
    const now = Date.now();
    let running = false;
    for (const item of this.items.values()) {
      if (FINAL_STATES.has(item.transfer.state) && FINAL_STATES.has(item.state)) continue;
      item.sync(now);
      running ||= !FINAL_STATES.has(item.state) && item.state !== 'offered';
    }
    if (!running) this.stopTimer();
  }
}
