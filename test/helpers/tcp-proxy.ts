/**
 * A TCP proxy on 127.0.0.1 that a test can cut and restore, or slow down, to make a real
 * dependency (PostgreSQL) unreachable or slow without touching the server itself.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes the listener and every proxied connection: the target looks down. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Holds every chunk sent to the target this long (0: none), in order. */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  let delayMs = 0;

  function listen(): Promise<void> {
    server = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      // Chunks to the target are held `delayMs` each; equal delays keep them in order.
      client.on('data', (chunk: Buffer) => {
        if (delayMs === 0) upstream.write(chunk);
        else setTimeout(() => upstream.writable && upstream.write(chunk), delayMs);
      });
      client.on('end', () => setTimeout(() => upstream.end(), delayMs));
      upstream.pipe(client);
    });
    return new Promise((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        if (address !== null && typeof address === 'object') port = address.port;
        resolve();
      }),
    );
  }

  async function cut(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    delay(ms) {
      delayMs = ms;
    },
    async close() {
      if (server.listening) await cut();
    },
  };
}
