/**
 * File transfer: control messages (JSON peer messages whose `type` starts with `file-`, sealed
 * on the main data channel like chat) and the binary chunk frame carried, sealed again, on the
 * bulk channel. See PROTOCOL.md §11.3.
 *
 * ```
 *  sender                                        receiver
 *   | file-offer {id, files[{fid,…,sha256}], text?} ->|  (policy checked; over it: file-decline)
 *   |<------------------------------ file-accept {fid} |
 *   |== chunk(fid, 0) == chunk(fid, 1) == … (bulk) ===>|  (hashed per 4 MiB block)
 *   |<--------------------------- file-ack {fid, next} |  (every FILE_ACK_EVERY chunks)
 *   |   … link drops, the session re-pairs …           |
 *   |<------------------------ file-resume {fid, next} |  (the next chunk it needs)
 *   |== chunk(fid, next) == … ========================>|
 *   |<------------------------ file-done {fid, ok} ----|  (content hash compared)
 *  either side, any time before the end: file-cancel {fid, reason}
 * ```
 */
import * as v from 'valibot';
import { ParleyError } from './errors.ts';
import { MAX_BULK_PLAINTEXT, MAX_CHAT_CHARS } from './limits.ts';

export const FileType = {
  Offer: 'file-offer',
  Accept: 'file-accept',
  Decline: 'file-decline',
  Cancel: 'file-cancel',
  Ack: 'file-ack',
  Resume: 'file-resume',
  Done: 'file-done',
} as const;

/** Most files one offer may carry, whatever the server allows (`FILE_MAX_COUNT` can only lower it). */
export const MAX_FILES_PER_OFFER = 5;
/** Largest file the protocol can describe (4 GiB); `FILE_MAX_BYTES` sets the real limit. */
export const MAX_FILE_BYTES = 4 * 1024 ** 3;
/** Longest file name in an offer, in UTF-16 code units. */
export const MAX_FILE_NAME_CHARS = 255;
/** Longest MIME type in an offer. */
export const MAX_MIME_CHARS = 255;
/** Longest image preview in an offer (a `data:` URL), in characters. */
export const MAX_PREVIEW_CHARS = 16 * 1024;
/**
 * File bytes per chunk frame. Every chunk but the last carries exactly this many; the last
 * carries the rest (a zero-byte file has no chunks). Header + data stay under the bulk
 * channel's plaintext limit, so a sealed frame is under 64 KiB.
 */
export const FILE_CHUNK_BYTES = 64_000;
/** The receiver sends `file-ack` after every this many chunks. */
export const FILE_ACK_EVERY = 8;
/** Largest chunk frame: the bulk channel's plaintext limit (64 KiB minus the sealed frame's 24 bytes). */
export const MAX_FILE_FRAME_BYTES = MAX_BULK_PLAINTEXT;
/** Highest chunk index a frame can carry (u32). */
export const MAX_CHUNK_INDEX = 0xffff_ffff;

/** Same alphabet and length as peer message ids (peer.ts `Id`). */
const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const Id = v.pipe(v.string(), v.regex(ID_RE));
const ChunkIndex = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_CHUNK_INDEX));

/** Control characters (C0, DEL, C1) and the bidi overrides that can disguise an extension. */
export const UNSAFE_NAME_CHARS_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A file name as offered: one path segment, no control characters, not `.`/`..`. */
const FileName = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_FILE_NAME_CHARS),
  v.check((name) => !/[/\\]/.test(name) && !UNSAFE_NAME_CHARS_RE.test(name) && name !== '.' && name !== '..', 'unsafe file name'),
);

/** `type/subtype` in lower case, or empty when the sender's browser did not know the type. */
export const MIME_RE = /^(?:[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*)?$/;

/** A small raster thumbnail: never SVG (it could carry script if ever opened on its own). */
export const PREVIEW_RE = /^data:image\/(?:jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * One file in an offer.
 * @example { fid: 'f_Zx81kLq0aB2c', name: 'invoice.pdf', size: 183204, mime: 'application/pdf', sha256: '9f86d0…' }
 */
export const FileMetaSchema = v.object({
  fid: Id,
  name: FileName,
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_FILE_BYTES)),
  mime: v.pipe(v.string(), v.maxLength(MAX_MIME_CHARS), v.regex(MIME_RE)),
  /** The file's content hash (protocol/content-hash.ts), hex: not the plain SHA-256 of the file. */
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  preview: v.optional(v.pipe(v.string(), v.maxLength(MAX_PREVIEW_CHARS), v.regex(PREVIEW_RE))),
});

/**
 * Offers one to {@link MAX_FILES_PER_OFFER} files, with the message typed alongside them.
 * @example { type: 'file-offer', id: 'b_4f0Qm2xY9kLp', files: [{ fid: 'f_Zx81kLq0aB2c', … }], text: 'Here is the log' }
 */
export const FileOfferSchema = v.object({
  type: v.literal(FileType.Offer),
  id: Id,
  files: v.pipe(
    v.array(FileMetaSchema),
    v.minLength(1),
    v.maxLength(MAX_FILES_PER_OFFER),
    v.check((files) => new Set(files.map((f) => f.fid)).size === files.length, 'duplicate fid'),
  ),
  text: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_CHARS))),
});

/** The receiver wants this file: the sender may start. @example { type: 'file-accept', fid: 'f_Zx81kLq0aB2c' } */
export const FileAcceptSchema = v.object({ type: v.literal(FileType.Accept), fid: Id });

/**
 * Why a file was declined: `declined` by the person; `type`, `size`, `count` by the receiver's
 * policy check; `busy` when the receiver already holds too many open transfers.
 */
export const DeclineReason = ['declined', 'type', 'size', 'count', 'busy'] as const;
export type DeclineReason = (typeof DeclineReason)[number];

/** @example { type: 'file-decline', fid: 'f_Zx81kLq0aB2c', reason: 'size' } */
export const FileDeclineSchema = v.object({ type: v.literal(FileType.Decline), fid: Id, reason: v.picklist(DeclineReason) });

/** `cancelled` by the person; `error` when the side could not go on (unreadable file, bad frame). */
export const CancelReason = ['cancelled', 'error'] as const;
export type CancelReason = (typeof CancelReason)[number];

/** Either side stops a file, offered or under way. @example { type: 'file-cancel', fid: 'f_Zx81kLq0aB2c', reason: 'cancelled' } */
export const FileCancelSchema = v.object({ type: v.literal(FileType.Cancel), fid: Id, reason: v.picklist(CancelReason) });

/** Receiver → sender: every chunk before `next` has arrived. @example { type: 'file-ack', fid: 'f_Zx81kLq0aB2c', next: 16 } */
export const FileAckSchema = v.object({ type: v.literal(FileType.Ack), fid: Id, next: ChunkIndex });

/**
 * Receiver → sender, after the link came back: continue from chunk `next` (everything before
 * it has arrived). Also answers a lost `file-accept`.
 * @example { type: 'file-resume', fid: 'f_Zx81kLq0aB2c', next: 40 }
 */
export const FileResumeSchema = v.object({ type: v.literal(FileType.Resume), fid: Id, next: ChunkIndex });

/** Receiver → sender: all bytes arrived and their content hash matched the offer (`ok`) or not. @example { type: 'file-done', fid: 'f_Zx81kLq0aB2c', ok: true } */
export const FileDoneSchema = v.object({ type: v.literal(FileType.Done), fid: Id, ok: v.boolean() });

/** Every file control message, for peer.ts `PeerMessageSchema`. */
export const FILE_MESSAGE_SCHEMAS = [
  FileOfferSchema,
  FileAcceptSchema,
  FileDeclineSchema,
  FileCancelSchema,
  FileAckSchema,
  FileResumeSchema,
  FileDoneSchema,
] as const;
export const FileMessageSchema = v.variant('type', [...FILE_MESSAGE_SCHEMAS]);

export type FileMeta = v.InferOutput<typeof FileMetaSchema>;
export type FileOffer = v.InferOutput<typeof FileOfferSchema>;
export type FileAccept = v.InferOutput<typeof FileAcceptSchema>;
export type FileDecline = v.InferOutput<typeof FileDeclineSchema>;
export type FileCancel = v.InferOutput<typeof FileCancelSchema>;
export type FileAck = v.InferOutput<typeof FileAckSchema>;
export type FileResume = v.InferOutput<typeof FileResumeSchema>;
export type FileDone = v.InferOutput<typeof FileDoneSchema>;
export type FileMessage = v.InferOutput<typeof FileMessageSchema>;

/** True for a peer message that belongs to file transfer. */
export function isFileMessage(message: { type: string }): message is FileMessage {
  return message.type.startsWith('file-');
}

/** @throws ParleyError `MALFORMED` */
export function parseFileMessage(value: unknown): FileMessage {
  const result = v.safeParse(FileMessageSchema, value);
  if (!result.success) throw new ParleyError('MALFORMED', `bad file message: ${result.issues[0]?.message ?? 'invalid'}`);
  return result.output;
}

/** Number of chunk frames a file of `size` bytes travels in. */
export function chunkCount(size: number): number {
  return Math.ceil(size / FILE_CHUNK_BYTES);
}

/** Bytes chunk `index` of a `size`-byte file carries (0 for an index past the end). */
export function chunkLength(size: number, index: number): number {
  const start = index * FILE_CHUNK_BYTES;
  return Math.max(0, Math.min(FILE_CHUNK_BYTES, size - start));
}

/**
 * Bulk frame kinds (first byte). Only chunks in this version; an unknown kind is MALFORMED.
 */
export const FileFrameKind = { Chunk: 1 } as const;

/** Bytes before the data: kind, fid length, fid (8–64 ASCII), u32 chunk index. */
const FRAME_FIXED_BYTES = 1 + 1 + 4;

/** One decoded chunk frame. `data` is a view into the frame. */
export interface FileChunk {
  fid: string;
  index: number;
  data: Uint8Array;
}

/**
 * Encodes one chunk:
 *
 * ```
 * kind (1) = 1 ‖ L (1) ‖ fid (L bytes, ASCII) ‖ index (4, big-endian) ‖ data
 * ```
 *
 * Written into `into` when given (a sender reusing one buffer for every frame: a fresh 64 kB
 * buffer a chunk was garbage for the page to collect), else into a new array.
 *
 * @throws ParleyError `MALFORMED` (bad fid or index), `PAYLOAD_TOO_LARGE` (data over FILE_CHUNK_BYTES), RangeError (`into` too small).
 * @example encodeFileChunk('f_Zx81kLq0aB2c', 0, bytes) // 1 + 1 + 14 + 4 + bytes.length bytes
 */
export function encodeFileChunk(fid: string, index: number, data: Uint8Array, into?: Uint8Array): Uint8Array {
  if (!ID_RE.test(fid)) throw new ParleyError('MALFORMED', 'bad fid');
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) throw new ParleyError('MALFORMED', 'bad chunk index');
  if (data.length > FILE_CHUNK_BYTES) throw new ParleyError('PAYLOAD_TOO_LARGE', 'chunk too large');
  const size = FRAME_FIXED_BYTES + fid.length + data.length;
  if (into && into.length < size) throw new RangeError('frame buffer too small');
  const frame = into ? into.subarray(0, size) : new Uint8Array(size);
  frame[0] = FileFrameKind.Chunk;
  frame[1] = fid.length;
  for (let i = 0; i < fid.length; i++) frame[2 + i] = fid.charCodeAt(i);
  new DataView(frame.buffer, frame.byteOffset, frame.length).setUint32(2 + fid.length, index, false);
  frame.set(data, FRAME_FIXED_BYTES + fid.length);
  return frame;
}

const FID_BYTE_RE = /^[A-Za-z0-9_-]$/;

/**
 * Reads a chunk frame's structure, without knowing the transfer.
 *
 * @throws ParleyError `MALFORMED` (truncated, unknown kind, bad fid, no data),
 *   `PAYLOAD_TOO_LARGE` (frame over MAX_FILE_FRAME_BYTES or data over FILE_CHUNK_BYTES).
 */
export function readFileFrame(frame: Uint8Array): FileChunk {
  if (!(frame instanceof Uint8Array)) throw new ParleyError('MALFORMED', 'frame must be bytes');
  if (frame.length > MAX_FILE_FRAME_BYTES) throw new ParleyError('PAYLOAD_TOO_LARGE', 'file frame too large');
  if (frame.length < 2) throw new ParleyError('MALFORMED', 'truncated file frame');
  if (frame[0] !== FileFrameKind.Chunk) throw new ParleyError('MALFORMED', `unknown file frame kind ${frame[0]}`);
  const length = frame[1]!;
  if (length < 8 || length > 64) throw new ParleyError('MALFORMED', 'bad fid length');
  const header = FRAME_FIXED_BYTES + length;
  if (frame.length < header) throw new ParleyError('MALFORMED', 'truncated file frame');
  let fid = '';
  for (let i = 0; i < length; i++) {
    const ch = String.fromCharCode(frame[2 + i]!);
    if (!FID_BYTE_RE.test(ch)) throw new ParleyError('MALFORMED', 'bad fid');
    fid += ch;
  }
  const index = new DataView(frame.buffer, frame.byteOffset, frame.length).getUint32(2 + length, false);
  const data = frame.subarray(header);
  if (data.length === 0) throw new ParleyError('MALFORMED', 'empty chunk');
  if (data.length > FILE_CHUNK_BYTES) throw new ParleyError('PAYLOAD_TOO_LARGE', 'chunk too large');
  return { fid, index, data };
}

/** What the receiver expects of a transfer's next chunk. */
export interface ChunkExpectation {
  /** The only index accepted next. */
  next: number;
  /** The file's size from the offer. */
  size: number;
}

/**
 * Checks a chunk against the transfer it names: known, in order, and exactly as long as the
 * offer's size says chunk `index` must be.
 *
 * @throws ParleyError `MALFORMED` (unknown transfer, replayed or skipped index, a short chunk,
 *   a chunk past the end), `PAYLOAD_TOO_LARGE` (longer than the offer allows).
 */
export function checkFileChunk(chunk: FileChunk, expected: ChunkExpectation | undefined): FileChunk {
  if (!expected) throw new ParleyError('MALFORMED', 'chunk for an unknown transfer');
  if (chunk.index < expected.next) throw new ParleyError('MALFORMED', `replayed chunk ${chunk.index}, expected ${expected.next}`);
  if (chunk.index > expected.next) throw new ParleyError('MALFORMED', `chunk ${chunk.index} out of order, expected ${expected.next}`);
  const length = chunkLength(expected.size, chunk.index);
  if (length === 0) throw new ParleyError('MALFORMED', 'chunk past the end of the file');
  if (chunk.data.length > length) throw new ParleyError('PAYLOAD_TOO_LARGE', `chunk ${chunk.index} has ${chunk.data.length} bytes, expected ${length}`);
  if (chunk.data.length < length) throw new ParleyError('MALFORMED', `chunk ${chunk.index} has ${chunk.data.length} bytes, expected ${length}`);
  return chunk;
}

/**
 * Decodes and checks a chunk frame in one step.
 * @param lookup what is expected of the named transfer, or undefined if there is none
 * @throws ParleyError as {@link readFileFrame} and {@link checkFileChunk}
 */
export function decodeFileChunk(frame: Uint8Array, lookup: (fid: string) => ChunkExpectation | undefined): FileChunk {
  const chunk = readFileFrame(frame);
  return checkFileChunk(chunk, lookup(chunk.fid));
}
