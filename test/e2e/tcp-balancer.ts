/**
 * A minimal TCP load balancer for the multi-node tests: each new connection goes to the first
 * backend that accepts it, in the order given (so a test decides which node a page lands on, and
 * where it lands when that node dies). Bytes pass through untouched, so `Host` and `Origin` stay
 * the balancer's, as behind a real proxy.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  /** The port it listens on (the one asked, or the one picked for 0). */
  readonly port: number;
  /** Backend port of every connection made so far, in order. */
  readonly routed: number[];
  close(): Promise<void>;
}

export async function startTcpBalancer(port: number, backends: readonly number[]): Promise<TcpBalancer> {
  const routed: number[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause(); // hold the request until a backend is connected
    const tryBackend = (index: number) => {
      const backendPort = backends[index];
      if (backendPort === undefined) return client.destroy();
      const upstream = connect(backendPort, '127.0.0.1');
      let connected = false;
      upstream.once('error', () => {
        upstream.destroy();
        if (connected) client.destroy();
        else tryBackend(index + 1); // refused: that node is down
      });
      upstream.once('connect', () => {
        connected = true;
        routed.push(backendPort);
        open.add(upstream);
        upstream.on('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
