import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_HASH_BLOCK_BYTES, ContentHasher } from '../../protocol/content-hash.ts';
import { IncomingFile } from '../../client/src/lib/files/incoming.ts';
import { FILE_CHUNK_BYTES, chunkCount } from '../../protocol/file.ts';
import { nodeContentHash } from '../content-hash-node.ts';

const BLOCK = CONTENT_HASH_BLOCK_BYTES;

function hashOf(data: Uint8Array): Promise<string> {
  const hash = new ContentHasher();
  for (let at = 0; at < data.length; at += BLOCK) hash.addBlock(data.subarray(at, at + BLOCK));
  return hash.digest();
}

describe('content hash (SHA-256 over the SHA-256 of each 4 MiB block)', () => {
  it('matches an independent computation at and around block boundaries, and known values', async () => {
    expect(BLOCK).toBe(4 * 1024 * 1024);
    for (const size of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 12345]) {
      const data = randomBytes(size);
      expect(await hashOf(data)).toBe(nodeContentHash(data));
    }
    // An empty file has no blocks: the SHA-256 of nothing.
    expect(await new ContentHasher().digest()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // One block: SHA-256 of the SHA-256, not the plain SHA-256 of the file.
    expect(await hashOf(new TextEncoder().encode('abc'))).toBe('4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358');
  });

  it('takes each block as it is at the call: the caller may reuse its buffer at once', async () => {
    const data = randomBytes(BLOCK + 10);
    const buffer = new Uint8Array(BLOCK);
    const hash = new ContentHasher();
    buffer.set(data.subarray(0, BLOCK));
    hash.addBlock(buffer);
    buffer.fill(0); // reused for the next block before the first digest is done
    buffer.set(data.subarray(BLOCK), 0);
    hash.addBlock(buffer.subarray(0, 10));
    expect(await hash.digest()).toBe(nodeContentHash(data));
  });

  it('refuses blocks that would make a different hash: empty, oversized, after a short one, after the digest', async () => {
    const hash = new ContentHasher();
    expect(() => hash.addBlock(new Uint8Array(0))).toThrow(RangeError);
    expect(() => hash.addBlock(new Uint8Array(BLOCK + 1))).toThrow(RangeError);
    hash.addBlock(new Uint8Array(10));
    expect(() => hash.addBlock(new Uint8Array(BLOCK))).toThrow('after the last');
    await hash.digest();
    expect(() => hash.addBlock(new Uint8Array(1))).toThrow('already taken');
    await expect(hash.digest()).rejects.toThrow('already taken');
  });

  it('a block whose digest fails makes the whole digest reject, with no unhandled rejection meanwhile', async () => {
    const spy = vi.spyOn(crypto.subtle, 'digest').mockImplementationOnce(() => Promise.reject(new DOMException('gone', 'OperationError')));
    try {
      const hash = new ContentHasher();
      hash.addBlock(new Uint8Array(BLOCK));
      hash.addBlock(new Uint8Array(5));
      await new Promise((r) => setTimeout(r, 10)); // an unhandled rejection would fail the run here
      await expect(hash.digest()).rejects.toThrow('gone');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a received file, kept and hashed in 4 MiB blocks (IncomingFile)', () => {
  const meta = (data: Uint8Array, sha256: string) => ({ fid: 'f_AAAAAAAAAAAA', name: 'disk.img', size: data.length, mime: 'application/octet-stream', sha256 });

  async function receive(data: Uint8Array, offered: string): Promise<{ blob: Blob | null; blocks: number[] }> {
    const blocks: number[] = [];
    const file = new IncomingFile('b_1', meta(data, offered), () => {
      const inner = new ContentHasher();
      return { addBlock: (b) => (blocks.push(b.length), inner.addBlock(b)), digest: () => inner.digest() };
    });
    const chunk = new Uint8Array(FILE_CHUNK_BYTES); // one buffer for every chunk, as a page reuses its frames
    for (let i = 0; i < chunkCount(data.length); i++) {
      const part = data.subarray(i * FILE_CHUNK_BYTES, (i + 1) * FILE_CHUNK_BYTES);
      chunk.set(part);
      expect(file.take(chunk.subarray(0, part.length))).toBe(i === chunkCount(data.length) - 1);
    }
    return { blob: await file.finish(), blocks };
  }

  it('chunks that straddle block boundaries are split: the blocks are whole 4 MiB blocks and the file comes out whole', async () => {
    const data = randomBytes(2 * BLOCK + 100_000); // 64 000-byte chunks never line up with 4 MiB
    const { blob, blocks } = await receive(data, nodeContentHash(data));
    expect(blocks).toEqual([BLOCK, BLOCK, 100_000]);
    expect(Buffer.from(await blob!.arrayBuffer()).equals(data)).toBe(true);
    expect(blob!.type).toBe('application/octet-stream');
  });

  it('a file of exactly one block: its last chunk fills the block, and nothing is left for the end', async () => {
    const data = randomBytes(BLOCK);
    const { blob, blocks } = await receive(data, nodeContentHash(data));
    expect(blocks).toEqual([BLOCK]);
    expect(Buffer.from(await blob!.arrayBuffer()).equals(data)).toBe(true);
  });

  it('a small file is one short block; a hash that does not match keeps nothing', async () => {
    const data = randomBytes(70_000);
    expect((await receive(data, nodeContentHash(data))).blocks).toEqual([70_000]);
    const wrong = await receive(data, nodeContentHash(randomBytes(70_000)));
    expect(wrong.blob).toBeNull();
  });
});
