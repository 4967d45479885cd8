/**
 * `npm run soak -- [--minutes 30] [--concurrency 4] [--max-drift-mb 150]`: starts a fresh Quire and
 * runs mixed traffic (uploads of small documents of several types, list, get, content, Range
 * downloads, search, rerank, convert, deletes) while sampling the server's RSS; prints RSS start /
 * end / max, the slope of a least-squares fit, and the error counts. Exits 1 on any 5xx, transport
 * error, or an RSS drift (end minus the RSS after warm-up) above the bound.
 */
import { parseArgs } from 'node:util';
import { processRssBytes } from '../bench/lib/proc.js';
import { startQuire } from './lib/quire-process.js';
import { rawRequest, type RawResponse } from './lib/raw-http.js';
import { Random } from './lib/schema-values.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '4' },
    'max-drift-mb': { type: 'string', default: '150' },
    seed: { type: 'string', default: '1' },
  },
});
const minutes = Number(values.minutes);
const MB = 1024 * 1024;

const server = await startQuire({ QUIRE_EXTRACTION_WORKERS: '1', QUIRE_LOG_LEVEL: 'info' });
const auth = { authorization: `Bearer ${server.apiKey}` };
const random = new Random(Number(values.seed));
const ids: string[] = [];
const counts: Record<string, number> = {};
const errors: string[] = [];
const samples: { t: number; rss: number }[] = [];

const FILES: [string, string][] = [
  ['note.txt', 'Plain text about invoices and capitals.\n'],
  ['note.md', '# Title\n\nSome *markdown* about rivers.\n'],
  ['data.csv', 'city,country\nParis,France\nRome,Italy\n'],
  ['data.json', '{"cities":["Paris","Rome"],"n":2}'],
  ['page.html', '<html><head><title>T</title></head><body><p>Hello capital city</p></body></html>'],
];

function multipart(name: string, content: string): { type: string; body: string } {
  const boundary = `soak${random.int(0, 1e9)}`;
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\n${content} ${random.int(0, 1e9)}\r\n--${boundary}--\r\n`,
  };
}

async function call(
  label: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse | undefined> {
  try {
    const response = await rawRequest({
      host: server.host,
      port: server.port,
      method,
      path,
      headers: { ...auth, ...headers },
      ...(body === undefined ? {} : { body }),
      timeoutMs: 30_000,
    });
    const key = `${label} ${response.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (response.status >= 500 || !response.headers['x-request-id'])
      errors.push(`${key} ${response.text().slice(0, 200)}`);
    return response;
  } catch (error) {
    errors.push(`${label} ${String((error as Error).message)}`);
    return undefined;
  }
}

async function step(): Promise<void> {
  const id = ids.length > 0 ? random.pick(ids) : undefined;
  const json = { 'content-type': 'application/json' };
  switch (random.int(0, 9)) {
    case 0:
    case 1: {
      const [name, content] = random.pick(FILES);
      const form = multipart(name, content);
      const created = await call(
        'upload',
        'POST',
        '/v1/documents',
        { 'content-type': form.type },
        form.body,
      );
      if (created?.status === 202)
        ids.push((JSON.parse(created.text()) as { document: { id: string } }).document.id);
      return;
    }
    case 2:
      await call('list', 'GET', '/v1/documents?limit=20');
      return;
    case 3:
      if (id) await call('get', 'GET', `/v1/documents/${id}`);
      return;
    case 4:
      if (id)
        await call(
          'content',
          'GET',
          `/v1/documents/${id}/content?format=${random.pick(['text', 'json', 'markdown'])}`,
        );
      return;
    case 5:
      if (id)
        await call('download', 'GET', `/v1/documents/${id}/file`, {
          range: random.pick(['bytes=0-9', 'bytes=-5', 'bytes=3-']),
        });
      return;
    case 6:
      await call(
        'search',
        'POST',
        '/v1/search',
        json,
        JSON.stringify({ query: random.pick(['capital', 'rivers', 'Paris', 'invoice']) }),
      );
      return;
    case 7:
      await call(
        'rerank',
        'POST',
        '/v1/rerank',
        json,
        JSON.stringify({ query: 'capital city', documents: FILES.map(([, c]) => c), top_n: 3 }),
      );
      return;
    case 8:
      await call(
        'convert',
        'POST',
        '/v1/convert?to=markdown',
        { 'content-type': 'text/html' },
        '<h1>Hi</h1><p>there</p>',
      );
      return;
    default:
      if (id && ids.length > 30) {
        ids.splice(ids.indexOf(id), 1);
        await call('delete', 'DELETE', `/v1/documents/${id}`);
      }
  }
}

const started = Date.now();
const end = started + minutes * 60_000;
const sampler = setInterval(() => {
  const rss = processRssBytes(server.pid);
  if (rss !== undefined) samples.push({ t: (Date.now() - started) / 1000, rss });
}, 2000);
let requests = 0;
await Promise.all(
  Array.from({ length: Number(values.concurrency) }, async () => {
    while (Date.now() < end && !server.exited()) {
      await step();
      requests++;
    }
  }),
);
clearInterval(sampler);
if (server.exited()) errors.push('the server exited');
for (const line of server.errorLogs) errors.push(`error log: ${line.slice(0, 300)}`);
await server.stop();

// Drift is measured after a warm-up (the first tenth of the run): caches and JIT fill first.
const warm = samples.filter((s) => s.t >= (minutes * 60) / 10);
const n = warm.length;
const meanT = warm.reduce((a, s) => a + s.t, 0) / n;
const meanR = warm.reduce((a, s) => a + s.rss, 0) / n;
const slope =
  warm.reduce((a, s) => a + (s.t - meanT) * (s.rss - meanR), 0) /
  Math.max(
    1e-9,
    warm.reduce((a, s) => a + (s.t - meanT) ** 2, 0),
  );
const first = samples[0]?.rss ?? 0;
const warmStart = warm[0]?.rss ?? 0;
const last = samples.at(-1)?.rss ?? 0;
const max = Math.max(...samples.map((s) => s.rss));
const drift = last - warmStart;
console.log(`soak: ${minutes} min, ${requests} requests, concurrency ${values.concurrency}`);
console.log(
  `rss MB: start ${(first / MB).toFixed(1)}, after warm-up ${(warmStart / MB).toFixed(1)}, end ${(last / MB).toFixed(1)}, max ${(max / MB).toFixed(1)}`,
);
console.log(
  `rss drift after warm-up: ${(drift / MB).toFixed(1)} MB; slope ${((slope * 3600) / MB).toFixed(1)} MB/h (${samples.length} samples)`,
);
console.log('requests by route and status:');
for (const [key, count] of Object.entries(counts).sort())
  console.log(`  ${key.padEnd(20)} ${count}`);
console.log(`errors: ${errors.length}`);
for (const error of errors.slice(0, 20)) console.log(`  ${error}`);
const tooMuch = drift > Number(values['max-drift-mb']) * MB;
if (tooMuch) console.log(`RSS drift above ${values['max-drift-mb']} MB`);
process.exit(errors.length > 0 || tooMuch ? 1 : 0);
