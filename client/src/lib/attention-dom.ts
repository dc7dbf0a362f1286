/**
 * The page's one Attention (attention.ts), wired to the real document: title, visibility,
 * focus, notifications and sounds.
 */
import { Attention } from './attention.ts';
import { playSound, unlockAudio } from './chime.ts';
import { askNotificationPermission, showNotification } from './notify.ts';

export const attention = new Attention({
  setTitle: (title) => {
    if (document.title !== title) document.title = title;
  },
  hidden: () => document.visibilityState === 'hidden',
  focused: () => document.hasFocus(),
  watch: (listener) => {
    document.addEventListener('visibilitychange', listener);
    addEventListener('focus', listener);
    addEventListener('blur', listener);
  },
  raiseWindow: () => globalThis.focus(),
  notify: showNotification,
  play: playSound,
});

/**
 * Call from the click that starts a session (Join, Start session): asks once for notifications
 * and enables sound, both of which browsers only allow after a user gesture.
 */
export function prepareAttention(): void {
  unlockAudio();
  askNotificationPermission();
}

// A session joined from a link starts without a click: the first one anywhere enables sound.
addEventListener('pointerdown', unlockAudio, { once: true, capture: true });
addEventListener('keydown', unlockAudio, { once: true, capture: true });
