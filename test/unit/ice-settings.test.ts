/**
 * FreshIceSettings (client/src/lib/ice-settings.ts): TURN credentials are refreshed once half
 * their lifetime has passed, a failed refresh is retried, NOT_IN_ROOM waits for the next room
 * answer, and nothing runs after stop().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../../protocol/errors.ts';
import type { IceSettings } from '../../protocol/signaling.ts';
import { FreshIceSettings, ICE_REFRESH_RETRY_MS } from '../../client/src/lib/ice-settings.ts';

const turn = (n: number): IceSettings => ({
  iceServers: [{ urls: 'turn:turn.example.org:3478', username: `${1767225600 + n}:id${n}`, credential: `c${n}` }],
  iceServersTtlSeconds: 600,
  iceTransportPolicy: 'relay',
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FreshIceSettings', () => {
  it('starts empty, with the default policy', () => {
    const ice = new FreshIceSettings({ fetch: () => Promise.reject(new Error('unused')) });
    expect(ice.current).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('gives what the room answer said, and asks for fresh credentials when half their lifetime has passed', async () => {
    let served = 1;
    const fetch = vi.fn(() => Promise.resolve(turn(served++)));
    const ice = new FreshIceSettings({ fetch });
    ice.update(turn(0));
    expect(ice.current).toEqual({ iceServers: turn(0).iceServers, iceTransportPolicy: 'relay' });

    await vi.advanceTimersByTimeAsync(299_999);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(ice.current.iceServers).toEqual(turn(1).iceServers);

    // And again, half a lifetime after the fresh ones arrived.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(ice.current.iceServers).toEqual(turn(2).iceServers);
  });

  it('never asks when nothing expires (no TURN configured)', async () => {
    const fetch = vi.fn(() => Promise.resolve(turn(1)));
    const ice = new FreshIceSettings({ fetch });
    ice.update({ iceServers: [{ urls: 'stun:stun.example.org' }] });
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a newer room answer (a resume) restarts the clock', async () => {
    const fetch = vi.fn(() => Promise.resolve(turn(9)));
    const ice = new FreshIceSettings({ fetch });
    ice.update(turn(0));
    await vi.advanceTimersByTimeAsync(200_000);
    ice.update(turn(1));
    await vi.advanceTimersByTimeAsync(200_000);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('retries a refresh the server could not answer, keeping the credentials it has meanwhile', async () => {
    const fetch = vi.fn<() => Promise<IceSettings>>().mockRejectedValueOnce(new ParleyError('SERVER_UNREACHABLE')).mockResolvedValueOnce(turn(1));
    const ice = new FreshIceSettings({ fetch });
    ice.update(turn(0));
    await vi.advanceTimersByTimeAsync(300_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(ice.current.iceServers).toEqual(turn(0).iceServers);
    await vi.advanceTimersByTimeAsync(ICE_REFRESH_RETRY_MS);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(ice.current.iceServers).toEqual(turn(1).iceServers);
  });

  it('NOT_IN_ROOM: stops asking until the next room answer', async () => {
    const fetch = vi.fn<() => Promise<IceSettings>>().mockRejectedValue(new ParleyError('NOT_IN_ROOM'));
    const ice = new FreshIceSettings({ fetch });
    ice.update(turn(0));
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('stop() cancels the refresh and ignores a late answer', async () => {
    let answer!: (settings: IceSettings) => void;
    const fetch = vi.fn(() => new Promise<IceSettings>((resolve) => (answer = resolve)));
    const ice = new FreshIceSettings({ fetch });
    ice.update(turn(0));
    await vi.advanceTimersByTimeAsync(300_000);
    ice.stop();
    answer(turn(1));
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(ice.current.iceServers).toEqual(turn(0).iceServers);

    const stopped = new FreshIceSettings({ fetch });
    stopped.update(turn(0));
    stopped.stop();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
