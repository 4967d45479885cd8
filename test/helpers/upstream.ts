/**
 * A scripted HTTP upstream on 127.0.0.1 (port 0) for outbound-HTTP tests: each path answers
 * with a script (slow headers, reset, status sequences, Retry-After, endless or sized bodies,
 * redirects), and the server records every request and every TCP connection it accepted, so a
 * test can assert that a guard refused BEFORE connecting.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** `hit` counts the requests to this path, from 1. */
export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Upstream {
  port: number;
  /** `127.0.0.1:<port>`, as allowHosts takes it. */
  host: string;
  origin: string;
  url(path: string): string;
  on(path: string, handler: Handler): void;
  /** Requests received, in order (the body read in full before the handler runs). */
  requests: SeenRequest[];
  hits(path: string): number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const handlers = new Map<string, Handler>();
  const hitCounts = new Map<string, number>();
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://upstream').pathname;
      requests.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const hit = (hitCounts.get(path) ?? 0) + 1;
      hitCounts.set(path, hit);
      const handler = handlers.get(path);
      if (handler === undefined) {
        res.writeHead(404).end('no script for this path');
        return;
      }
      handler(req, res, hit);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const port = address.port;

  return {
    port,
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    on: (path, handler) => void handlers.set(path, handler),
    requests,
    hits: (path) => hitCounts.get(path) ?? 0,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Ready-made scripts. */
export const script = {
  /** Answers `status` with a short body and optional headers. */
  status(status: number, body = `status ${status}`, headers: Record<string, string> = {}): Handler {
    return (_req, res) => void res.writeHead(status, headers).end(body);
  },

  /** Runs the n-th handler on the n-th hit, the last one ever after. */
  sequence(...steps: Handler[]): Handler {
    return (req, res, hit) => {
      const step = steps[Math.min(hit, steps.length) - 1];
      if (step === undefined) throw new Error('empty sequence');
      step(req, res, hit);
    };
  },

  /** Sends the headers only after `ms` (nothing before). */
  slowHeaders(ms: number, status = 200): Handler {
    return (_req, res) => {
      const timer = setTimeout(() => res.writeHead(status).end('slow'), ms);
      res.on('close', () => clearTimeout(timer));
    };
  },

  /** Destroys the connection without answering. */
  reset(): Handler {
    return (req) => void req.socket.destroy();
  },

  /** Redirects to `location`. */
  redirect(location: string, status = 302): Handler {
    return (_req, res) => void res.writeHead(status, { location }).end();
  },

  /** A body of exactly `size` bytes with its Content-Length. */
  bytes(size: number): Handler {
    return (_req, res) =>
      void res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
        .end(Buffer.alloc(size, 0x61));
  },

  /**
   * Streams 16 KiB chunks (no Content-Length) until the client goes away; `stats` says how much
   * was written and resolves `closed` when the connection closed.
   */
  endless(): Handler & { stats: { written: number; closed: Promise<void> } } {
    let markClosed: () => void = () => undefined;
    const stats = {
      written: 0,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    const chunk = Buffer.alloc(16 * 1024, 0x62);
    const handler: Handler = (req, res) => {
      req.socket.on('close', markClosed);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (!res.destroyed && !res.writableEnded) {
          stats.written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    };
    return Object.assign(handler, { stats });
  },
};
