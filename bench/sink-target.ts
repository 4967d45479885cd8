/**
 * A transport ceiling for `npm run bench:ingest`, run in its own process:
 *
 *   node --import tsx bench/sink-target.ts <dir>
 *
 * A bare node:http server (no Fastify, no multipart parsing, no hashing) that pipes each request
 * body as it is into a new file in <dir> with fs.createWriteStream (flush: true, i.e. fsync'd
 * before close, default highWaterMark), removes the file, and answers 202 `{ "bytes": n }`: what
 * receiving an upload over HTTP and writing it to disk costs with Node's defaults, before
 * anything Quire does. Prints its URL as the first stdout line; exits like the other targets.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HOST, serveUntilStopped } from './lib/serve.js';

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (dir === undefined || dir === '') {
    console.error('usage: node --import tsx bench/sink-target.ts <dir>');
    process.exit(2);
  }
  const server = createServer((req, res) => {
    const path = join(dir, `sink-${randomUUID()}`);
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    pipeline(req, createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true })).then(
      () => {
        rmSync(path, { force: true });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes }));
      },
      (error: unknown) => {
        rmSync(path, { force: true });
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  serveUntilStopped('sink-target', {
    url: `http://${HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

main().catch((error: unknown) => {
  console.error('sink-target: failed to start', error);
  process.exit(1);
});
