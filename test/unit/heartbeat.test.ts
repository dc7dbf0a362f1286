import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, Heartbeat, STALL_AFTER_MS } from '../../client/src/lib/heartbeat.ts';

describe('Heartbeat', () => {
  let now = 0;
  const events: string[] = [];
  let pings = 0;
  const make = (ping: () => void = () => void pings++) =>
    new Heartbeat({ ping, now: () => now, onStalled: () => events.push('stalled'), onResumed: () => events.push('resumed') });
  const advance = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    pings = 0;
    events.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('pings every interval and stays quiet while the peer is heard', async () => {
    const beat = make();
    beat.start();
    for (let i = 0; i < 10; i++) {
      await advance(HEARTBEAT_INTERVAL_MS);
      beat.heard();
    }
    expect(pings).toBe(10);
    expect(events).toEqual([]);
    beat.stop();
  });

  it('reports a stall once after STALL_AFTER_MS of silence, and a resume at the first frame heard', async () => {
    const beat = make();
    beat.start();
    await advance(STALL_AFTER_MS - HEARTBEAT_INTERVAL_MS);
    expect(events).toEqual([]);
    await advance(2 * HEARTBEAT_INTERVAL_MS);
    expect(events).toEqual(['stalled']);
    expect(beat.isStalled).toBe(true);
    await advance(10 * HEARTBEAT_INTERVAL_MS);
    expect(events).toEqual(['stalled']); // once, not at every tick
    expect(pings).toBeGreaterThan(10); // still pinging: that is how the peer hears us come back
    beat.heard();
    beat.heard();
    expect(events).toEqual(['stalled', 'resumed']);
    beat.stop();
  });

  it('a ping that throws (the channel is closing) does not stop the heartbeat', async () => {
    const beat = make(() => {
      pings++;
      throw new Error('closing');
    });
    beat.start();
    await advance(5 * HEARTBEAT_INTERVAL_MS);
    expect(pings).toBe(5);
    expect(events).toEqual(['stalled']);
    beat.stop();
  });

  it('stop() ends the pings', async () => {
    const beat = make();
    beat.start();
    beat.stop();
    await advance(10 * HEARTBEAT_INTERVAL_MS);
    expect(pings).toBe(0);
    expect(events).toEqual([]);
  });
});
