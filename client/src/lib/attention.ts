/**
 * Getting a person's attention when the page is not in front of them: the unread count in the
 * tab title, a flashing title for a nudge, desktop notifications and sounds. Framework-free and
 * given its browser through {@link AttentionHost}, so the rules are testable without one
 * (attention-dom.ts wires the real page).
 *
 * Rules: nothing is counted, notified or played for a message while the page is visible (the
 * person sees it); the count clears as soon as the page is visible again. A nudge always
 * flashes the title for a couple of seconds, and keeps flashing until the page is visible and
 * focused.
 */

export type Sound = 'message' | 'nudge' | 'offer';

export interface AttentionHost {
  setTitle(title: string): void;
  /** The page is in a background tab, a minimised window, or the screen is locked. */
  hidden(): boolean;
  /** The window has keyboard focus (visible but behind another window reads false). */
  focused(): boolean;
  /** Calls `listener` when visibility or focus changes. */
  watch(listener: () => void): void;
  /** Asks the browser to bring the window forward (it may not). */
  raiseWindow(): void;
  notify(title: string, body: string): void;
  play(sound: Sound): void;
}

/** Title flash period, and how many half-periods it flashes at least. */
export const FLASH_INTERVAL_MS = 1000;
export const MIN_FLASH_TICKS = 4;

export class Attention {
  private base = '';
  private unread = 0;
  private flash: { text: string; on: boolean; ticks: number; timer: ReturnType<typeof setInterval> } | null = null;

  constructor(private readonly host: AttentionHost) {
    host.watch(() => this.onChange());
  }

  /** The page's own title; the count and the flash are shown around it. */
  setTitle(base: string): void {
    this.base = base;
    this.render();
  }

  get unreadCount(): number {
    return this.unread;
  }

  /** A chat message from `from` arrived. */
  message(from: string, body: string): void {
    if (!this.host.hidden()) return;
    this.unread++;
    this.render();
    this.host.notify(from, body);
    this.host.play('message');
  }

  /**
   * A message arrived in a conversation on this page that is not on screen (a background tab of
   * the rep console): a sound while the page is visible. When the page is hidden, `message()`
   * has already counted, notified and played it.
   */
  offscreenMessage(): void {
    if (!this.host.hidden()) this.host.play('message');
  }

  /**
   * A waiting chat was offered to this rep: it needs an answer within seconds, so the sound
   * plays even on a visible page, and a desktop notification shows while the page is hidden.
   */
  offer(title: string, body: string): void {
    this.host.play('offer');
    if (this.host.hidden()) this.host.notify(title, body);
  }

  /** The rep nudged: `flashText` alternates with the title; a notification too if hidden. */
  nudge(flashText: string, notice: { title: string; body: string }): void {
    this.host.raiseWindow();
    this.host.play('nudge');
    if (this.host.hidden()) this.host.notify(notice.title, notice.body);
    this.stopFlash();
    const flash = { text: flashText, on: true, ticks: 0, timer: setInterval(() => this.tick(), FLASH_INTERVAL_MS) };
    this.flash = flash;
    this.render();
  }

  private tick(): void {
    const flash = this.flash;
    if (!flash) return;
    flash.ticks++;
    flash.on = !flash.on;
    if (flash.ticks >= MIN_FLASH_TICKS && this.seen()) this.stopFlash();
    this.render();
  }

  private stopFlash(): void {
    if (this.flash) clearInterval(this.flash.timer);
    this.flash = null;
  }

  private seen(): boolean {
    return !this.host.hidden() && this.host.focused();
  }

  private onChange(): void {
    if (!this.host.hidden()) this.unread = 0;
    if (this.flash && this.flash.ticks >= MIN_FLASH_TICKS && this.seen()) this.stopFlash();
    this.render();
  }

  private render(): void {
    if (this.flash?.on) return this.host.setTitle(this.flash.text);
    this.host.setTitle(this.unread > 0 ? `(${this.unread}) ${this.base}` : this.base);
  }
}
