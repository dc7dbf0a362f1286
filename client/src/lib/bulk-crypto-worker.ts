/**
 * The bulk sealing Worker (bulk-crypto.ts): seals and opens file-chunk frames off the page's
 * main thread. One context per bulk channel, each with the only Sealer of its send key and
 * the only Opener of its receive key (seal.ts: counters, replay and tamper checks unchanged).
 * Requests are answered in the order they came, which is the order of the frames.
 */
import { ParleyError } from '@protocol/errors.ts';
import { Opener, Sealer } from '@protocol/seal.ts';
import type { BulkReply, BulkRequest } from './bulk-crypto.ts';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BulkRequest>) => void) | null;
  postMessage(message: BulkReply, transfer?: Transferable[]): void;
};
const contexts = new Map<number, { sealer: Sealer; opener: Opener }>();

scope.onmessage = ({ data }) => {
  if (data.op === 'init') {
    contexts.set(data.ch, { sealer: new Sealer(data.sendKey), opener: new Opener(data.recvKey, { maxPlaintext: data.maxPlaintext }) });
    return;
  }
  if (data.op === 'close') {
    contexts.delete(data.ch);
    return;
  }
  const context = contexts.get(data.ch);
  try {
    if (!context) throw new ParleyError('PEER_GONE', 'bulk channel closed');
    const out = data.op === 'seal' ? context.sealer.seal(new Uint8Array(data.bytes)) : context.opener.open(new Uint8Array(data.bytes));
    // Transferred, not copied; a view into a larger buffer is copied once to stand alone.
    const bytes = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    scope.postMessage({ ch: data.ch, id: data.id, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer]);
  } catch (err) {
    const error = err instanceof ParleyError ? { code: err.code, message: err.message } : { code: 'MALFORMED' as const, message: String(err) };
    scope.postMessage({ ch: data.ch, id: data.id, error });
  }
};
