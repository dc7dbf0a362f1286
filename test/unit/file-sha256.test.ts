import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from './file-fakes.ts';

const nodeSha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

type HashWasm = typeof import('hash-wasm');
type Hasher = Awaited<ReturnType<HashWasm['createSHA256']>>;

/**
 * The module afresh (it remembers whether WebAssembly failed), with hash-wasm's createSHA256
 * wrapped: `gate` holds each call until the test opens it; `updates` counts the bytes the
 * WebAssembly hashers were given (the proof that they, not noble's, did the work).
 */
async function load(options: { gate?: boolean; fails?: boolean; breakUpdate?: boolean } = {}) {
  vi.resetModules();
  const real = await vi.importActual<HashWasm>('hash-wasm');
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  if (!options.gate) openGate();
  const wasm = { calls: 0, bytes: 0 };
  vi.doMock('hash-wasm', () => ({
    createSHA256: async () => {
      wasm.calls += 1;
      await gate;
      if (options.fails) throw new WebAssembly.CompileError('refused by CSP');
      const inner: Hasher = await real.createSHA256();
      return {
        ...inner,
        update(data: Uint8Array) {
          if (options.breakUpdate) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
          wasm.bytes += data.length;
          inner.update(data);
          return this;
        },
        digest: (format: 'hex') => inner.digest(format),
      };
    },
  }));
  const module = await import('../../client/src/lib/files/sha256.ts');
  /** Lets the module's pending import and instantiation finish. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  };
  return { ...module, wasm, open: () => openGate(), settle };
}

afterEach(() => {
  vi.doUnmock('hash-wasm');
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('a received file’s SHA-256 (fileHash)', () => {
  it('is plain SHA-256 of the chunks in order: the ones queued while WebAssembly loaded, then the rest, all in WebAssembly', async () => {
    const { fileHash, wasm, open, settle } = await load({ gate: true });
    const chunks = [randomBytes(64_000), randomBytes(64_000), randomBytes(64_000), randomBytes(17)];
    const hash = fileHash();
    hash.update(chunks[0]!);
    hash.update(chunks[1]!);
    await settle();
    expect(wasm.bytes).toBe(0); // still loading: queued
    open();
    await settle();
    expect(wasm.bytes).toBe(128_000); // the queue, replayed in order
    hash.update(chunks[2]!);
    hash.update(chunks[3]!);
    expect(wasm.bytes).toBe(192_017);
    expect(await hash.digest()).toBe(nodeSha256(...chunks));
  });

  it('hashes what it was given, not what the caller later wrote into the same buffer', async () => {
    const { fileHash, open, settle } = await load({ gate: true });
    const buffer = randomBytes(1000);
    const expected = nodeSha256(buffer);
    const hash = fileHash();
    hash.update(buffer);
    buffer.fill(0); // reused while the module loads
    open();
    await settle();
    expect(await hash.digest()).toBe(expected);
  });

  it('asked for its digest while WebAssembly still loads, hashes the queue with noble’s at once instead of waiting', async () => {
    const { fileHash, wasm } = await load({ gate: true }); // never opened: the server is slow
    const data = randomBytes(100_000);
    const hash = fileHash();
    hash.update(data);
    expect(await hash.digest()).toBe(nodeSha256(data));
    expect(wasm.bytes).toBe(0);
  });

  it('queues at most MAX_QUEUED_BYTES while WebAssembly loads, then hands the rest to noble’s', async () => {
    const { fileHash, wasm, open, settle, MAX_QUEUED_BYTES } = await load({ gate: true });
    const chunks = Array.from({ length: Math.ceil(MAX_QUEUED_BYTES / 64_000) + 3 }, () => randomBytes(64_000));
    const hash = fileHash();
    for (const chunk of chunks) hash.update(chunk);
    open(); // too late: noble's already has it
    await settle();
    expect(wasm.bytes).toBe(0);
    expect(await hash.digest()).toBe(nodeSha256(...chunks));
  });

  it('an empty file has the SHA-256 of nothing', async () => {
    const { fileHash } = await load();
    expect(await fileHash().digest()).toBe(nodeSha256());
  });

  it('falls back to noble’s SHA-256 when WebAssembly is refused, with the same digest, and does not ask again', async () => {
    const { fileHash, sha256Hex, wasm, settle } = await load({ fails: true });
    const data = randomBytes(200_000);
    const hash = fileHash();
    hash.update(data.subarray(0, 70_000));
    await settle();
    hash.update(data.subarray(70_000));
    expect(await hash.digest()).toBe(nodeSha256(data));
    expect(await sha256Hex(new Blob([data as BlobPart]))).toBe(nodeSha256(data));
    expect(wasm.calls).toBe(1); // refused once: not asked again for every file
  });

  it('without WebAssembly at all, never tries it', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    const { fileHash, wasm, settle } = await load();
    const data = randomBytes(5000);
    const hash = fileHash();
    hash.update(data);
    await settle();
    expect(await hash.digest()).toBe(nodeSha256(data));
    expect(wasm.calls).toBe(0);
  });

  it('a dropped hash never gives a digest: dropped while loading, after loading, or while its digest is asked for', async () => {
    const { fileHash, open, settle } = await load({ gate: true });
    const early = fileHash();
    early.update(randomBytes(10));
    early.drop();
    open();
    await settle();
    early.update(randomBytes(10));
    await expect(early.digest()).rejects.toThrow('dropped');

    const late = fileHash();
    await settle();
    late.update(randomBytes(10));
    late.drop();
    await expect(late.digest()).rejects.toThrow('dropped');
  });

  it('gives one digest only', async () => {
    const { fileHash } = await load();
    const hash = fileHash();
    hash.update(randomBytes(10));
    await hash.digest();
    await expect(hash.digest()).rejects.toThrow('digest already taken');
  });

  it('a hash that fails while hashing, queued chunks included, rejects its digest instead of throwing at the chunk', async () => {
    const { fileHash, open, settle } = await load({ gate: true, breakUpdate: true });
    const hash = fileHash();
    hash.update(randomBytes(10)); // queued; fails when replayed
    open();
    await settle();
    expect(() => hash.update(randomBytes(10))).not.toThrow();
    await expect(hash.digest()).rejects.toThrow('could not allocate');
  });
});

describe('the SHA-256 of a whole Blob (sha256Hex)', () => {
  it('is computed in WebAssembly when it can be', async () => {
    const { sha256Hex, wasm } = await load();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    expect(await sha256Hex(new Blob([data as BlobPart]))).toBe(nodeSha256(data));
    expect(wasm.bytes).toBe(data.length);
  });
});
