/**
 * A lingering close, as web servers do: once Quire has answered a request whose bytes are still
 * arriving, it half-closes, reads and drops what comes, and closes only when the client has
 * finished, or a byte or time bound is reached. Closing at once with unread bytes makes the
 * kernel send a reset, which can destroy the answer before the client reads it.
 */
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';

/** How long unread bytes are drained after the answer before the socket is closed anyway. */
const LINGER_MS = 2000;
/** How much is read and dropped at most. */
const LINGER_MAX_BYTES = 16 * 1024 * 1024;

/** Half-closes `socket`, drains `source` (the socket itself or the request on it), then closes. */
export function lingerThenClose(socket: Socket, source: Readable, ended: Readable[] = []): void {
  if (socket.writable) socket.end();
  let drained = 0;
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  source.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_MAX_BYTES) close();
  });
  source.resume();
  for (const stream of ended) stream.once('end', close);
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
}
