// Minimal typing for the part of @thaunknown/simple-peer (with media support) that Parley uses.
declare module '@thaunknown/simple-peer' {
  interface PeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelConfig?: RTCDataChannelInit;
  }
  export default class Peer {
    constructor(options?: PeerOptions);
    on(event: string, listener: (...args: any[]) => void): this;
    signal(data: unknown): void;
    send(chunk: Uint8Array | string): void;
    destroy(err?: Error): void;
    addStream(stream: MediaStream): void;
    removeStream(stream: MediaStream): void;
    readonly destroyed: boolean;
  }
}
