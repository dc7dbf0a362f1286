/**
 * A rep console reduced to its desk signaling, as a Node socket.io client: it says `desk-hello`
 * (open mode), keeps the latest `desk-queue` snapshot, and accepts requests. The portal's queue
 * tests use it for the rep side (position and wait updates need a rep to take chats, not a chat).
 */
import { io, type Socket } from 'socket.io-client';
import nacl from 'tweetnacl';
import { toBase64Url } from '../../protocol/base64.ts';
import type { DeskQueue } from '../../protocol/desk.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';

export class DeskRep {
  snapshot: DeskQueue | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on('desk-queue', (snapshot: DeskQueue) => (this.snapshot = snapshot));
  }

  static async connect(url: string, displayName = 'Bob'): Promise<DeskRep> {
    const socket = io(url, { auth: { version: PROTOCOL_VERSION }, transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const rep = new DeskRep(socket);
    const hello = (await socket.emitWithAck('desk-hello', { displayName, publicKey: toBase64Url(nacl.box.keyPair().publicKey) })) as { ok: boolean };
    if (!hello.ok) throw new Error(`desk-hello refused: ${JSON.stringify(hello)}`);
    return rep;
  }

  /** Waiting request ids, first in line first. */
  waiting(): string[] {
    return [...(this.snapshot?.entries ?? [])].sort((a, b) => a.position - b.position).map((e) => e.requestId);
  }

  async accept(requestId: string): Promise<void> {
    const result = (await this.socket.emitWithAck('desk-accept', { requestId })) as { ok: boolean };
    if (!result.ok) throw new Error(`desk-accept refused: ${JSON.stringify(result)}`);
  }

  close(): void {
    this.socket.disconnect();
  }
}
