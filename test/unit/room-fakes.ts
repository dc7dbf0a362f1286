/** A socket as the room logic sees it (rooms.ts, redis-rooms.ts), recording what it is sent. */
import type { RoomSocket } from '../../signaling/room-types.ts';

export class FakeRoomSocket implements RoomSocket {
  readonly received: { event: string; payload: unknown }[] = [];
  constructor(readonly id: string) {}
  emit(event: string, payload: unknown): void {
    this.received.push({ event, payload });
  }
  events(): string[] {
    return this.received.map((m) => m.event);
  }
  clear(): void {
    this.received.length = 0;
  }
}
