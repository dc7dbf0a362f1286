/**
 * Attention (client/src/lib/attention.ts) with a fake page: the unread count in the title only
 * while hidden, notifications and sounds only while hidden, a nudge's title flash, and the
 * notification preview text.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Attention, FLASH_INTERVAL_MS, MIN_FLASH_TICKS, type AttentionHost, type Sound } from '../../client/src/lib/attention.ts';
import { notificationPreview } from '../../client/src/lib/notify.ts';

class FakePage implements AttentionHost {
  title = '';
  isHidden = false;
  hasFocus = true;
  raised = 0;
  readonly notifications: { title: string; body: string }[] = [];
  readonly sounds: Sound[] = [];
  private listener: () => void = () => {};

  setTitle(title: string): void {
    this.title = title;
  }
  hidden(): boolean {
    return this.isHidden;
  }
  focused(): boolean {
    return this.hasFocus;
  }
  watch(listener: () => void): void {
    this.listener = listener;
  }
  raiseWindow(): void {
    this.raised++;
  }
  notify(title: string, body: string): void {
    this.notifications.push({ title, body });
  }
  play(sound: Sound): void {
    this.sounds.push(sound);
  }
  /** The page goes to the background or comes back (visibilitychange). */
  show(visible: boolean, focused = visible): void {
    this.isHidden = !visible;
    this.hasFocus = focused;
    this.listener();
  }
}

let page: FakePage;
let attention: Attention;
beforeEach(() => {
  vi.useFakeTimers();
  page = new FakePage();
  attention = new Attention(page);
  attention.setTitle('Parley — rep console');
});
afterEach(() => vi.useRealTimers());

describe('Attention: messages', () => {
  it('does nothing while the page is visible', () => {
    attention.message('Ada', 'Hello');
    expect(page.title).toBe('Parley — rep console');
    expect(page.notifications).toEqual([]);
    expect(page.sounds).toEqual([]);
  });

  it('counts unread messages in the title while hidden, with a notification and a sound each, and clears when visible', () => {
    page.show(false);
    attention.message('Ada', 'Hello');
    expect(page.title).toBe('(1) Parley — rep console');
    attention.message('Ada', 'Are you there?');
    attention.message('Ada', 'Hello?');
    expect(page.title).toBe('(3) Parley — rep console');
    expect(attention.unreadCount).toBe(3);
    expect(page.notifications).toEqual([
      { title: 'Ada', body: 'Hello' },
      { title: 'Ada', body: 'Are you there?' },
      { title: 'Ada', body: 'Hello?' },
    ]);
    expect(page.sounds).toEqual(['message', 'message', 'message']);

    page.show(true, false); // visible in an unfocused window still counts as seen
    expect(page.title).toBe('Parley — rep console');
    expect(attention.unreadCount).toBe(0);
  });

  it('keeps the count when the language (base title) changes', () => {
    page.show(false);
    attention.message('Ada', 'Hello');
    attention.setTitle('Parley — console technicien');
    expect(page.title).toBe('(1) Parley — console technicien');
  });
});

describe('Attention: a message in a background tab of the console', () => {
  it('plays the message sound while the page is visible, without a notification or a count', () => {
    attention.offscreenMessage();
    expect(page.sounds).toEqual(['message']);
    expect(page.notifications).toEqual([]);
    expect(page.title).toBe('Parley — rep console');
  });

  it('adds nothing while the page is hidden: message() already counted, notified and played it', () => {
    page.isHidden = true;
    attention.message('Ada', 'Hello');
    attention.offscreenMessage();
    expect(page.sounds).toEqual(['message']);
    expect(page.notifications).toHaveLength(1);
    expect(page.title).toBe('(1) Parley — rep console');
  });
});

describe('Attention: a chat offered to the rep', () => {
  it('always plays the offer sound; a notification only while the page is hidden', () => {
    attention.offer('Chat offered: Ada', 'Printer offline');
    expect(page.sounds).toEqual(['offer']);
    expect(page.notifications).toEqual([]);
    page.isHidden = true;
    attention.offer('Chat offered: Bob', 'Password');
    expect(page.sounds).toEqual(['offer', 'offer']);
    expect(page.notifications).toEqual([{ title: 'Chat offered: Bob', body: 'Password' }]);
  });
});

describe('Attention: nudge', () => {
  const notice = { title: 'Alex nudged you', body: 'Your support rep is waiting for you in the chat.' };

  it('raises the window, plays the nudge sound and flashes the title a few times even on a visible page', () => {
    attention.nudge('Alex nudged you', notice);
    expect(page.raised).toBe(1);
    expect(page.sounds).toEqual(['nudge']);
    expect(page.notifications).toEqual([]); // visible: the page itself shows it
    const titles = [page.title];
    for (let i = 0; i < MIN_FLASH_TICKS + 2; i++) {
      vi.advanceTimersByTime(FLASH_INTERVAL_MS);
      titles.push(page.title);
    }
    const [flash, base] = ['Alex nudged you', 'Parley — rep console'];
    expect(MIN_FLASH_TICKS).toBe(4);
    expect(titles).toEqual([flash, base, flash, base, base, base, base]);
    expect(vi.getTimerCount()).toBe(0); // the flash stopped
  });

  it('keeps flashing while hidden or unfocused, and stops once the page is seen', () => {
    page.show(false);
    attention.nudge('Alex nudged you', notice);
    expect(page.notifications).toEqual([notice]);
    vi.advanceTimersByTime(FLASH_INTERVAL_MS * 20);
    expect(vi.getTimerCount()).toBe(1);
    page.show(true, false); // visible behind another window: not seen yet
    vi.advanceTimersByTime(FLASH_INTERVAL_MS * 3);
    expect(vi.getTimerCount()).toBe(1);
    page.show(true, true);
    expect(vi.getTimerCount()).toBe(0);
    expect(page.title).toBe('Parley — rep console');
  });

  it('a message while flashing counts, and shows once the flash is off', () => {
    page.show(false);
    attention.nudge('Alex nudged you', notice);
    attention.message('Alex', 'Hello?');
    expect(page.title).toBe('Alex nudged you');
    vi.advanceTimersByTime(FLASH_INTERVAL_MS);
    expect(page.title).toBe('(1) Parley — rep console');
  });
});

describe('notificationPreview', () => {
  it('is plain text: BBCode removed, white space folded', () => {
    expect(notificationPreview('[b]Hello[/b]\n\n[url=https://example.com]our help page[/url]  <b>x</b>')).toBe('Hello our help page <b>x</b>');
  });

  it('keeps at most 100 characters, cut at a whole code point with an ellipsis', () => {
    const long = `${'a'.repeat(98)}😀😀😀`;
    const preview = notificationPreview(long);
    expect(Array.from(preview)).toHaveLength(100);
    expect(preview).toBe(`${'a'.repeat(98)}😀…`);
    expect(notificationPreview('x'.repeat(100))).toBe('x'.repeat(100));
  });
});
