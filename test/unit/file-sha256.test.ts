import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from './file-fakes.ts';

const nodeSha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

/** The module afresh (it remembers whether WebAssembly failed), with hash-wasm as `wasm` says. */
async function load(wasm: 'real' | 'fails' = 'real') {
  vi.resetModules();
  vi.doUnmock('hash-wasm');
  if (wasm === 'fails') {
    vi.doMock('hash-wasm', () => ({
      createSHA256: vi.fn(() => Promise.reject(new CompileError())),
    }));
  }
  return import('../../client/src/lib/files/sha256.ts');
}
class CompileError extends Error {}

afterEach(() => {
  vi.doUnmock('hash-wasm');
  vi.resetModules();
});

describe('a received file’s SHA-256 (fileHash)', () => {
  it('is plain SHA-256 of the chunks in order, including chunks given before WebAssembly was ready', async () => {
    const { fileHash } = await load();
    const chunks = [randomBytes(64_000), randomBytes(64_000), randomBytes(17)];
    const hash = fileHash();
    hash.update(chunks[0]!); // synchronously after creation: the module cannot be ready yet
    await new Promise((r) => setTimeout(r, 20));
    hash.update(chunks[1]!);
    hash.update(chunks[2]!);
    expect(await hash.digest()).toBe(nodeSha256(...chunks));
  });

  it('hashes what it was given, not what the caller later wrote into the same buffer', async () => {
    const { fileHash } = await load();
    const buffer = randomBytes(1000);
    const expected = nodeSha256(buffer);
    const hash = fileHash();
    hash.update(buffer);
    buffer.fill(0); // reused before the module was ready
    expect(await hash.digest()).toBe(expected);
  });

  it('an empty file has the SHA-256 of nothing', async () => {
    const { fileHash } = await load();
    expect(await fileHash().digest()).toBe(nodeSha256());
  });

  it('falls back to JavaScript SHA-256 when WebAssembly is refused, with the same digest', async () => {
    const { fileHash, sha256Hex } = await load('fails');
    const data = randomBytes(200_000);
    const hash = fileHash();
    hash.update(data.subarray(0, 70_000));
    hash.update(data.subarray(70_000));
    expect(await hash.digest()).toBe(nodeSha256(data));
    expect(await sha256Hex(new Blob([data as BlobPart]))).toBe(nodeSha256(data));
    const { createSHA256 } = await import('hash-wasm');
    expect(createSHA256).toHaveBeenCalledTimes(1); // refused once: not asked again for every file
  });

  it('a dropped hash never gives a digest (a stopped transfer cannot be declared intact)', async () => {
    const { fileHash } = await load();
    const hash = fileHash();
    hash.update(randomBytes(10));
    hash.drop();
    hash.update(randomBytes(10));
    await expect(hash.digest()).rejects.toThrow('dropped');
  });

  it('a hash that fails while hashing rejects its digest instead of throwing at the chunk', async () => {
    vi.resetModules();
    vi.doMock('hash-wasm', () => ({
      createSHA256: () =>
        Promise.resolve({
          update: () => {
            throw new RangeError('WebAssembly.Memory(): could not allocate memory');
          },
          digest: () => 'never',
        }),
    }));
    const { fileHash } = await import('../../client/src/lib/files/sha256.ts');
    const hash = fileHash();
    await new Promise((r) => setTimeout(r, 20));
    expect(() => hash.update(randomBytes(10))).not.toThrow();
    await expect(hash.digest()).rejects.toThrow('could not allocate');
  });
});
