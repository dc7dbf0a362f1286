/**
 * Just enough STUN/TURN (RFC 8489, RFC 8656) for tests: encode requests with long-term
 * credentials (to talk to coturn directly), and take apart what goes between a browser and its
 * TURN server (to see what the relay carries). Not a client library: no retransmissions, no
 * FINGERPRINT checks.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const MAGIC_COOKIE = 0x2112a442;

export const StunMethod = { Binding: 0x001, Allocate: 0x003, Refresh: 0x004, Send: 0x006, Data: 0x007, CreatePermission: 0x008, ChannelBind: 0x009 } as const;
export const StunClass = { Request: 0, Indication: 1, Success: 2, Error: 3 } as const;
export const StunAttr = {
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  RequestedTransport: 0x0019,
} as const;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
}

/** A STUN message: first two bits 0, the magic cookie, a length that fits (RFC 8489 §6). */
export function isStun(packet: Buffer): boolean {
  return packet.length >= 20 && (packet[0]! & 0xc0) === 0 && packet.readUInt32BE(4) === MAGIC_COOKIE && packet.readUInt16BE(2) + 20 <= packet.length;
}

export function decodeStun(packet: Buffer): StunMessage | null {
  if (!isStun(packet)) return null;
  const type = packet.readUInt16BE(0);
  const end = 20 + packet.readUInt16BE(2);
  const attributes: StunAttribute[] = [];
  for (let at = 20; at + 4 <= end; ) {
    const attrType = packet.readUInt16BE(at);
    const length = packet.readUInt16BE(at + 2);
    if (at + 4 + length > end) return null;
    attributes.push({ type: attrType, value: packet.subarray(at + 4, at + 4 + length) });
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return {
    method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
    cls: ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7),
    transactionId: packet.subarray(8, 20),
    attributes,
  };
}

/** The long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/** Encodes a message; with `integrityKey`, appends MESSAGE-INTEGRITY (HMAC-SHA1). */
export function encodeStun(message: { method: number; cls: number; transactionId?: Buffer; attributes: StunAttribute[] }, integrityKey?: Buffer): Buffer {
  const { method, cls } = message;
  const type = (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
  const body = Buffer.concat(
    message.attributes.map(({ type: attrType, value }) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(attrType, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  (message.transactionId ?? randomBytes(12)).copy(header, 8);
  if (!integrityKey) {
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  // The HMAC covers the message with its length already counting the 24-byte attribute.
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', integrityKey).update(Buffer.concat([header, body])).digest();
  const attr = Buffer.alloc(4);
  attr.writeUInt16BE(StunAttr.MessageIntegrity, 0);
  attr.writeUInt16BE(20, 2);
  return Buffer.concat([header, body, attr, mac]);
}

export function attribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** ERROR-CODE as a number (401, 403, …), or null. */
export function errorCode(message: StunMessage): number | null {
  const value = attribute(message, StunAttr.ErrorCode);
  return value && value.length >= 4 ? (value[2]! & 0x07) * 100 + value[3]! : null;
}

/**
 * An XOR-PEER-ADDRESS (or any XOR address) for an IPv4 or IPv6 address and port; IPv6 is
 * masked with the transaction id too (RFC 8489 §14.2).
 */
export function xorAddress(ip: string, port: number, transactionId: Buffer): Buffer {
  const address = ip.includes(':') ? ipv6Bytes(ip) : Buffer.from(ip.split('.').map(Number));
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  const value = Buffer.alloc(4 + address.length);
  value[1] = address.length === 4 ? 0x01 : 0x02;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  for (let i = 0; i < address.length; i++) value[4 + i] = address[i]! ^ mask[i]!;
  return value;
}

/** The 16 bytes of an IPv6 address in hex groups, with at most one `::`. */
function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** A TURN ChannelData message (RFC 8656 §12.4): first byte 0x40-0x4f, then its payload. */
export function channelData(packet: Buffer): { channel: number; data: Buffer } | null {
  if (packet.length < 4 || packet[0]! < 0x40 || packet[0]! > 0x4f) return null;
  const length = packet.readUInt16BE(2);
  if (4 + length > packet.length) return null;
  return { channel: packet.readUInt16BE(0), data: packet.subarray(4, 4 + length) };
}
