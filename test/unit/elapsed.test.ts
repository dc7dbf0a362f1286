/**
 * The elapsed-time icon's rules (client/src/lib/elapsed.ts) and the ticking clock
 * (clock.svelte.ts) with a fake clock: idle until the customer is connected, counting from the
 * rep's last message (else from the connection), amber then red at the thresholds, back to green
 * when the rep writes.
 */
import { describe, expect, it } from 'vitest';
import { Clock, type ClockHost } from '../../client/src/lib/clock.svelte.ts';
import { elapsedLevel, elapsedSeconds, elapsedSince } from '../../client/src/lib/elapsed.ts';
import { defaultThresholds } from '../../client/src/lib/rep-view.ts';
import type { NewEvent, TranscriptEvent } from '../../client/src/lib/transcript.ts';

const thresholds = { amberSeconds: 60, redSeconds: 180 };
let seq = 0;
const ev = (event: NewEvent): TranscriptEvent => ({ ...event, sessionId: 's', seq: seq++ }) as TranscriptEvent;
const chat = (from: 'rep' | 'customer', at: number) => ev({ kind: 'chat', id: `m${at}`, from, name: from, text: 'hi', at });
const secured = (at: number) => ev({ kind: 'system', key: 'event.secured', level: 'success', at });

class FakeClock implements ClockHost {
  time = 1_000_000;
  private tick: (() => void) | null = null;
  now(): number {
    return this.time;
  }
  setInterval(fn: () => void): unknown {
    this.tick = fn;
    return 1;
  }
  clearInterval(): void {
    this.tick = null;
  }
  advance(ms: number): void {
    for (let i = 0; i < ms / 1000; i++) {
      this.time += 1000;
      this.tick?.();
    }
  }
  get running(): boolean {
    return this.tick !== null;
  }
}

describe('elapsedSince', () => {
  it('is null before the customer connected and nobody wrote', () => {
    expect(elapsedSince([ev({ kind: 'system', key: 'event.sessionStarted', level: 'info', at: 5 })], 'rep')).toBeNull();
  });

  it('counts from the connection until the rep writes, then from the rep’s last message', () => {
    const log = [secured(100), chat('customer', 150)];
    expect(elapsedSince(log, 'rep')).toBe(100);
    log.push(chat('rep', 200), chat('customer', 300));
    expect(elapsedSince(log, 'rep')).toBe(200); // a customer message does not reset it
    log.push(chat('rep', 400));
    expect(elapsedSince(log, 'rep')).toBe(400);
  });

  it('restarts from a rejoin when the rep has not written since', () => {
    const log = [secured(100), ev({ kind: 'system', key: 'event.rejoined', params: { from: 'x', seconds: 3 }, level: 'warning', at: 900 })];
    expect(elapsedSince(log, 'rep')).toBe(100); // the first connection is the earliest still unanswered
  });
});

describe('elapsedLevel: the state machine over time (fake clock)', () => {
  it('idle while not running (customer not connected, or session over) whatever the time', () => {
    expect(elapsedLevel(0, 10_000_000, false, thresholds)).toBe('idle');
    expect(elapsedLevel(null, 0, true, thresholds)).toBe('idle');
  });

  it('ok → amber at amberSeconds → red at redSeconds → ok when the rep writes', () => {
    const clock = new FakeClock();
    const log = [secured(clock.time)];
    const level = () => elapsedLevel(elapsedSince(log, 'rep'), clock.time, true, thresholds);
    expect(level()).toBe('ok');
    clock.advance(59_000);
    expect(level()).toBe('ok');
    clock.advance(1_000);
    expect(level()).toBe('amber');
    clock.advance(119_000);
    expect(level()).toBe('amber');
    clock.advance(1_000);
    expect(level()).toBe('red');
    log.push(chat('rep', clock.time));
    expect(level()).toBe('ok');
  });

  it('never counts negative time (a clock stepping back)', () => {
    expect(elapsedSeconds(5_000, 1_000)).toBe(0);
    expect(elapsedLevel(5_000, 1_000, true, thresholds)).toBe('ok');
  });

  it('defaults to the desk config’s thresholds (60 s amber, 180 s red)', () => {
    expect(defaultThresholds()).toEqual({ amberSeconds: 60, redSeconds: 180 });
  });
});

describe('Clock', () => {
  it('updates `now` every tick while started, and stops', () => {
    const host = new FakeClock();
    const clock = new Clock(host);
    clock.start();
    const start = clock.now;
    host.advance(3_000);
    expect(clock.now).toBe(start + 3_000);
    clock.stop();
    expect(host.running).toBe(false);
    host.advance(1_000);
    expect(clock.now).toBe(start + 3_000);
  });
});
