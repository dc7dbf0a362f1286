/**
 * Gathers bytes of any length into blocks of one size, in one reused buffer: the receiver turns
 * chunks into content-hash blocks (incoming.ts), the sender its 1 MiB reads (hash-file.ts).
 * Chunks do not line up with blocks: a chunk may end one block and start the next.
 */
export class BlockFiller {
  private block: Uint8Array | null = null;
  private filled = 0;

  /**
   * @param size bytes per block (the buffer is allocated with the first bytes)
   * @param onBlock gets each full block, and the last shorter one at `flush`; the view is only
   *   valid during the call (the buffer is reused)
   */
  constructor(
    private readonly size: number,
    private readonly onBlock: (block: Uint8Array) => void,
  ) {}

  /** Copies `data` in, handing on every block it fills. */
  add(data: Uint8Array): void {
    for (let from = 0; from < data.length; ) {
      this.block ??= new Uint8Array(this.size);
      const taken = Math.min(data.length - from, this.block.length - this.filled);
      this.block.set(data.subarray(from, from + taken), this.filled);
      this.filled += taken;
      from += taken;
      if (this.filled === this.block.length) this.flush();
    }
  }

  /** Hands on what the block holds so far, if anything (the last, shorter block). */
  flush(): void {
    if (!this.block || this.filled === 0) return;
    const bytes = this.block.subarray(0, this.filled);
    this.filled = 0;
    this.onBlock(bytes);
  }

  /** Forgets the buffer and what it held. */
  release(): void {
    this.block = null;
    this.filled = 0;
  }
}
