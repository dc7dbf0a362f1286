/**
 * SHA-256 of a file, streamed through an incremental hash a slice at a time (never the whole
 * file in memory). The offer carries it; the receiver hashes what arrives the same way.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ChunkReader } from './reader.ts';

/** About 1 MB per read: fewer, larger reads than sending uses. */
const HASH_SLICE_BYTES = 1024 * 1024;

export async function sha256Hex(source: Blob, onProgress?: (bytesHashed: number) => void): Promise<string> {
  const hash = sha256.create();
  const reader = new ChunkReader(source, 2, HASH_SLICE_BYTES);
  let done = 0;
  for (let i = 0; i < reader.chunks; i++) {
    const bytes = await reader.read(i);
    hash.update(bytes);
    done += bytes.length;
    onProgress?.(done);
  }
  return bytesToHex(hash.digest());
}
