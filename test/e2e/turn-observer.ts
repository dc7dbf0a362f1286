/**
 * TurnObserver: a UDP forwarder placed between the browsers' TURN clients and coturn, which
 * looks at every packet going through and sorts what the relay carries between the peers.
 *
 * The browsers are told that the TURN server is here (`TURN_URLS=turn:127.0.0.1:<this port>`);
 * each browser socket gets its own upstream socket to coturn, so coturn sees distinct clients.
 * Between a TURN client and its server, peer data travels in two framings only: ChannelData
 * messages, and Send/Data indications (STUN) with a DATA attribute (RFC 8656). The payload's
 * first byte then says what it is (RFC 7983 demultiplexing): 0-3 STUN (the ICE connectivity
 * checks), 20-63 DTLS, 128-191 RTP/RTCP (SRTP, for screen sharing); anything else would be
 * something WebRTC never sends — such as plaintext. Each payload is also searched for watched
 * strings (the chat messages typed in the test), which must never appear.
 *
 * `cut()` drops every packet both ways until `restore()`: the network between the browsers and
 * their relay goes away, as in network-fault.ts.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { StunAttr, StunClass, StunMethod, attribute, channelData, decodeStun } from './stun.ts';

export type PayloadKind = 'stun' | 'dtls' | 'rtp' | 'other';

/** RFC 7983 §7: what a WebRTC packet is, from its first byte. */
export function payloadKind(payload: Buffer): PayloadKind {
  const first = payload[0];
  if (first === undefined) return 'other';
  if (first <= 3) return 'stun';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 128 && first <= 191) return 'rtp';
  return 'other';
}

export class TurnObserver {
  private readonly listener: Socket = createSocket('udp4');
  private readonly upstreams = new Map<string, Socket>();
  private readonly watched: { text: string; bytes: Buffer }[] = [];
  /** Payloads relayed between the peers, by kind. */
  readonly relayed: Record<PayloadKind, number> = { stun: 0, dtls: 0, rtp: 0, other: 0 };
  /** Payloads a browser handed to coturn, and payloads coturn delivered to a browser (from the other one). */
  readonly direction = { toRelay: 0, fromRelay: 0 };
  /** DTLS record content types seen (20 change_cipher_spec, 21 alert, 22 handshake, 23 application data). */
  readonly dtlsContentTypes = new Map<number, number>();
  /** TURN requests and answers (Allocate, Refresh, CreatePermission, ChannelBind…), which carry no peer data. */
  control = 0;
  /** Packets that were neither STUN nor ChannelData: must stay 0. */
  unframed = 0;
  /** First bytes (hex) of payloads of kind `other`, for the failure message. */
  readonly strays: string[] = [];
  /** Watched strings found in a relayed payload: must stay empty. */
  readonly leaks: string[] = [];
  private cutNow = false;
  /** Packets dropped while cut. */
  dropped = 0;

  constructor(private readonly turnPort: number) {}

  /** Starts listening on 127.0.0.1:`port`. */
  listen(port: number): Promise<void> {
    this.listener.on('message', (packet, from) => {
      if (this.cutNow) return void this.dropped++;
      this.inspect(packet, 'toRelay');
      this.upstreamFor(from).send(packet, this.turnPort, '127.0.0.1');
    });
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.bind(port, '127.0.0.1', () => resolve());
    });
  }

  /** Reports a relayed payload containing `text` (UTF-8) as a leak. */
  watch(text: string): void {
    this.watched.push({ text, bytes: Buffer.from(text, 'utf8') });
  }

  cut(): void {
    this.cutNow = true;
  }

  restore(): void {
    this.cutNow = false;
  }

  close(): void {
    for (const socket of this.upstreams.values()) socket.close();
    this.upstreams.clear();
    this.listener.close();
  }

  private upstreamFor(client: RemoteInfo): Socket {
    const key = `${client.address}:${client.port}`;
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      const socket = createSocket('udp4');
      socket.on('message', (packet) => {
        if (this.cutNow) return void this.dropped++;
        this.inspect(packet, 'fromRelay');
        this.listener.send(packet, client.port, client.address);
      });
      socket.on('error', () => {}); // the browser went away: nothing to do
      socket.bind(0, '127.0.0.1');
      this.upstreams.set(key, socket);
      upstream = socket;
    }
    return upstream;
  }

  private inspect(packet: Buffer, direction: 'toRelay' | 'fromRelay'): void {
    const channel = channelData(packet);
    if (channel) return this.payload(channel.data, direction);
    const message = decodeStun(packet);
    if (!message) {
      this.unframed++;
      return;
    }
    const carriesData = message.cls === StunClass.Indication && (message.method === StunMethod.Send || message.method === StunMethod.Data);
    const data = carriesData ? attribute(message, StunAttr.Data) : undefined;
    if (data) this.payload(data, direction);
    else this.control++;
  }

  private payload(data: Buffer, direction: 'toRelay' | 'fromRelay'): void {
    this.direction[direction]++;
    const kind = payloadKind(data);
    this.relayed[kind]++;
    if (kind === 'dtls') this.dtlsContentTypes.set(data[0]!, (this.dtlsContentTypes.get(data[0]!) ?? 0) + 1);
    if (kind === 'other' && this.strays.length < 10) this.strays.push(data.subarray(0, 8).toString('hex'));
    for (const { text, bytes } of this.watched) if (data.includes(bytes) && !this.leaks.includes(text)) this.leaks.push(text);
  }
}
