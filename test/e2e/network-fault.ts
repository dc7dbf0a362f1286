/**
 * A network that can be cut: every WebRTC packet between the two test browsers goes through a
 * UDP forwarder in this process, which drops everything while "cut". This is a real fault on
 * the wire (the peer connection, its DTLS session and ICE consent all see silence), not a
 * page-level shortcut, so detection, ICE restart and re-pairing run as they would on a
 * network that drops out.
 *
 * How the traffic is steered: an init script rewrites every remote ICE candidate a page adds
 * to point at a forwarder port for that candidate's address (TCP and IPv6 candidates are
 * dropped), so neither browser can reach the other except through a forwarder.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Page } from '@playwright/test';

interface Forwarder {
  socket: Socket;
  port: number;
  /** The far side that last spoke to this forwarder (the address the target's replies go to). */
  peer: RemoteInfo | null;
}

export class UdpFaultProxy {
  private readonly forwarders = new Map<string, Promise<Forwarder>>();
  private cutNow = false;
  /** Packets dropped while cut (the proof that the fault was real). */
  dropped = 0;
  forwarded = 0;

  cut(): void {
    this.cutNow = true;
  }

  restore(): void {
    this.cutNow = false;
  }

  /** A loopback port whose packets reach `host:port` (and whose replies go back). */
  forward(host: string, port: number): Promise<number> {
    const key = `${host}:${port}`;
    let forwarder = this.forwarders.get(key);
    if (!forwarder) {
      forwarder = this.open(host, port);
      this.forwarders.set(key, forwarder);
    }
    return forwarder.then((f) => f.port);
  }

  private open(host: string, port: number): Promise<Forwarder> {
    const socket = createSocket('udp4');
    const forwarder: Forwarder = { socket, port: 0, peer: null };
    socket.on('message', (msg, from) => {
      if (this.cutNow) {
        this.dropped++;
        return;
      }
      // A browser socket bound to all interfaces answers a loopback address from 127.0.0.1, not
      // from the address in its candidate: on one machine, the port alone tells who it is.
      const fromTarget = from.port === port && (from.address === host || from.address === '127.0.0.1');
      if (fromTarget) {
        if (!forwarder.peer) return;
        socket.send(msg, forwarder.peer.port, forwarder.peer.address);
      } else {
        forwarder.peer = from;
        socket.send(msg, port, host);
      }
      this.forwarded++;
    });
    socket.on('error', () => {}); // a closed browser socket: nothing to do
    return new Promise((resolve) =>
      socket.bind(0, '127.0.0.1', () => {
        forwarder.port = socket.address().port;
        resolve(forwarder);
      }),
    );
  }

  async close(): Promise<void> {
    for (const f of this.forwarders.values()) (await f).socket.close();
    this.forwarders.clear();
  }
}

/** Makes `page` reach its peer only through `proxy` (call before the page loads Parley). */
export async function routeThrough(page: Page, proxy: UdpFaultProxy): Promise<void> {
  await page.exposeFunction('__parleyForward', (host: string, port: number) => proxy.forward(host, port));
  await page.addInitScript(() => {
    const forward = (window as unknown as { __parleyForward(host: string, port: number): Promise<number> }).__parleyForward;
    const proto = RTCPeerConnection.prototype;
    const addIceCandidate = proto.addIceCandidate as (this: RTCPeerConnection, candidate?: RTCIceCandidateInit) => Promise<void>;
    proto.addIceCandidate = async function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | RTCIceCandidate | null) {
      const line = candidate?.candidate;
      if (!candidate || !line) return addIceCandidate.call(this, candidate ?? undefined);
      const parts = line.split(' ');
      // candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> …
      if (parts[2]?.toLowerCase() !== 'udp' || !parts[4] || parts[4].includes(':')) return;
      parts[5] = String(await forward(parts[4], Number(parts[5])));
      parts[4] = '127.0.0.1';
      return addIceCandidate.call(this, {
        candidate: parts.join(' '),
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      });
    };
    const setRemoteDescription = proto.setRemoteDescription as (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) => Promise<void>;
    proto.setRemoteDescription = function (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) {
      // Candidates inside the SDP would bypass the forwarders: take them out (they also trickle).
      const sdp = description?.sdp?.replace(/^a=candidate:.*\r?\n/gm, '');
      return setRemoteDescription.call(this, description ? { type: description.type, sdp } : description);
    } as typeof proto.setRemoteDescription;
  });
}
