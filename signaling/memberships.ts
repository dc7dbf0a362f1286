/** Which rooms each socket is in (by socket id), for the per-socket limit and room lookups. */
export class Memberships<R> {
  readonly #bySocket = new Map<string, Set<R>>();

  /** Sockets in at least one room. */
  get size(): number {
    return this.#bySocket.size;
  }

  count(socket: { id: string }): number {
    return this.#bySocket.get(socket.id)?.size ?? 0;
  }

  /** A copy: the caller may change memberships while going through it. */
  of(socket: { id: string }): R[] {
    return [...(this.#bySocket.get(socket.id) ?? [])];
  }

  add(socket: { id: string }, room: R): void {
    let rooms = this.#bySocket.get(socket.id);
    if (!rooms) this.#bySocket.set(socket.id, (rooms = new Set()));
    rooms.add(room);
  }

  remove(socket: { id: string }, room: R): void {
    const rooms = this.#bySocket.get(socket.id);
    if (!rooms) return;
    rooms.delete(room);
    if (rooms.size === 0) this.#bySocket.delete(socket.id);
  }

  forget(socket: { id: string }): void {
    this.#bySocket.delete(socket.id);
  }
}
