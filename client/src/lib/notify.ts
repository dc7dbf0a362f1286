/**
 * Desktop notifications: permission is asked once, from a click (Join, Start session), and
 * never again once refused or dismissed; a notification carries plain text only and brings
 * the tab forward when clicked.
 */
import { parseBBCode, plainText } from './bbcode.ts';

const ASKED_KEY = 'parley.notifications.asked';
/** How much of a message a notification shows. */
export const PREVIEW_CHARS = 100;

/** Call from a click handler: browsers only show the permission prompt for a user gesture. */
export function askNotificationPermission(): void {
  const api = globalThis.Notification;
  if (!api || api.permission !== 'default' || alreadyAsked()) return;
  void Promise.resolve(api.requestPermission())
    .then((answer) => {
      // Refused, or the prompt was closed: asking again would be nagging.
      if (answer !== 'granted') remember();
    })
    .catch(() => remember());
}

/** Whether asking now would show the browser's prompt (not decided yet, and not asked before). */
export function canAskNotifications(): boolean {
  const api = globalThis.Notification;
  return !!api && api.permission === 'default' && !alreadyAsked();
}

export function showNotification(title: string, body: string): void {
  const api = globalThis.Notification;
  if (!api || api.permission !== 'granted') return;
  try {
    // One tag: a newer message replaces the older one instead of piling up.
    const notification = new api(title, { body, tag: 'parley-chat' });
    notification.onclick = () => {
      globalThis.focus?.();
      notification.close();
    };
  } catch {
    // Android Chrome only shows notifications from a service worker: the sound and the title still work.
  }
}

/** A message as a notification shows it: BBCode removed, white space folded, at most PREVIEW_CHARS characters. */
export function notificationPreview(text: string, max = PREVIEW_CHARS): string {
  const plain = plainText(parseBBCode(text)).replace(/\s+/g, ' ').trim();
  const chars = Array.from(plain); // code points: never cut an emoji in half
  return chars.length <= max ? plain : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function alreadyAsked(): boolean {
  try {
    return localStorage.getItem(ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

function remember(): void {
  try {
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // storage blocked: the browser itself remembers a refusal
  }
}
