/**
 * Portal.forgetRoom: after a transfer the customer's portal serves the new rep's room, while the
 * server still closes the old one (`peer-left`, `room-closed` naming the old sid). Those must not
 * reach the next session (they failed its pairing); news about any other room still does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Portal } from '../../client/src/lib/portal.ts';
import { ServerHarness } from './server-harness.ts';

const harness = new ServerHarness();
const portals: Portal[] = [];
afterEach(async () => {
  for (const p of portals.splice(0)) p.destroy();
  await harness.cleanup();
});

async function portal(url: string): Promise<Portal> {
  const p = new Portal(url);
  portals.push(p);
  await p.connect();
  return p;
}

describe('Portal.forgetRoom', () => {
  it('drops peer-left and room-closed about a forgotten room, not about the next one', async () => {
    const { url } = await harness.startServer();
    const customer = await portal(url);
    const heard: string[] = [];
    customer.on('peer-left', () => heard.push('peer-left'));
    customer.on('room-closed', (reason) => heard.push(`room-closed ${reason}`));

    const oldRep = await portal(url);
    const oldRoom = await oldRep.createRoom();
    await customer.joinRoom(oldRoom.nameplate);
    customer.forgetRoom(oldRoom.sid);
    oldRep.leave(); // the server closes the old room: peer-left + room-closed {sid: old}

    const newRep = await portal(url);
    const newRoom = await newRep.createRoom();
    await customer.joinRoom(newRoom.nameplate); // answered after the old room's news (one socket, in order)
    const closed = new Promise<void>((resolve) => customer.on('room-closed', () => resolve()));
    newRep.leave();
    await closed;
    expect(heard).toEqual(['peer-left', 'room-closed PEER_GONE']); // the new room's only
  });
});
