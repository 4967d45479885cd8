/**
 * The OTLP/HTTP receiver for `npm run bench:http`'s tracing-on scenario, run in its own process:
 *
 *   node --import tsx bench/otlp-sink-target.ts
 *
 * A bare node:http server that reads each export request to the end and answers 200 with an
 * empty protobuf `ExportTraceServiceResponse` (an empty body), as a collector that accepts
 * everything would. Counts requests and bytes and prints them on stderr when it stops. Prints its
 * URL as the first stdout line; exits like the other targets.
 */
import { createServer } from 'node:http';
import { HOST, serveUntilStopped } from './lib/serve.js';

async function main(): Promise<void> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  serveUntilStopped('otlp-sink', {
    url: `http://${HOST}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        console.error(`otlp-sink: ${requests} export requests, ${bytes} bytes`);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

main().catch((error: unknown) => {
  console.error('otlp-sink-target: failed to start', error);
  process.exit(1);
});
