/**
 * Short alert sounds synthesised with WebAudio (no audio file to download or serve). Browsers
 * keep audio muted until the person interacts with the page, so the AudioContext is created or
 * resumed from a click ({@link unlockAudio}); before that, sounds are silently skipped.
 */
import type { Sound } from './attention.ts';

let context: AudioContext | null = null;

/** Call from a user gesture (the customer's Join click, the rep's Start session, any first click). */
export function unlockAudio(): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume().catch(() => {});
  } catch {
    // no WebAudio here: the page stays silent
  }
}

/** [frequency in Hz, start and length in seconds] for each note. */
const NOTES: Record<Sound, { wave: OscillatorType; notes: [number, number, number][] }> = {
  // A soft rising two-note chime.
  message: { wave: 'sine', notes: [[660, 0, 0.14], [880, 0.12, 0.22]] },
  // A bright rising three-note call: a chat is waiting for this rep's answer.
  offer: { wave: 'sine', notes: [[523, 0, 0.12], [659, 0.12, 0.12], [784, 0.24, 0.3]] },
  // A livelier four-note buzz, distinct from a message.
  nudge: { wave: 'triangle', notes: [[587, 0, 0.1], [440, 0.12, 0.1], [587, 0.24, 0.1], [440, 0.36, 0.16]] },
};

export function playSound(sound: Sound): void {
  if (!context || context.state !== 'running') return;
  const { wave, notes } = NOTES[sound];
  const start = context.currentTime + 0.02;
  for (const [frequency, at, length] of notes) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = wave;
    oscillator.frequency.value = frequency;
    // A quick fade in and out: a square start or stop clicks.
    gain.gain.setValueAtTime(0.0001, start + at);
    gain.gain.exponentialRampToValueAtTime(0.2, start + at + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + at);
    oscillator.stop(start + at + length + 0.02);
  }
}
