/**
 * A pass-through HTTP proxy in front of a live Quire that can answer a request itself instead
 * (a 429 with Retry-After, a 503 on the event stream), and records what it saw.
 */
import {
  createServer,
  request as forward,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from '../helpers/app.js';

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
}

/** Answers the request itself when it returns true. */
export type Intercept = (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => boolean;

export async function startProxy(
  target: string,
  intercept: Intercept,
): Promise<{ url: string; seen: Seen[] }> {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      at: Date.now(),
    });
    if (intercept(req, res, seen)) {
      req.resume();
      return;
    }
    const out = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export function problem(
  res: ServerResponse,
  status: number,
  code: string,
  retryAfter: string,
): void {
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'retry-after': retryAfter,
    'x-request-id': 'proxy-request',
  });
  res.end(
    JSON.stringify({
      type: 'about:blank',
      title: code,
      status,
      detail: `${code} from the test proxy`,
      code,
      request_id: 'proxy-request',
    }),
  );
}
