/**
 * `npm run fuzz -- [--requests 20000] [--seed 1] [--concurrency 8] [--timeout-ms 15000] [--json]`:
 * starts a fresh Quire (a real process, embedded SQLite, temporary data dir, its own API key),
 * fuzzes it from its live /openapi.json, prints the status histogram and every finding, and exits
 * 1 on any finding (5xx, non-problem error, missing request id, hang, crash).
 */
import { parseArgs } from 'node:util';
import { fuzz } from './lib/fuzz.js';
import { startQuire } from './lib/quire-process.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '15000' },
    json: { type: 'boolean', default: false },
  },
});

const server = await startQuire({
  // Fuzzed credentials must not lock the fuzzer out, nor shedding hide answers on a busy machine.
  QUIRE_AUTH_FAILURE_LIMIT: '1000000',
  QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
  // A body shorter than its Content-Length must end in 408 within the per-request timeout.
  QUIRE_REQUEST_TIMEOUT_MS: '4000',
  QUIRE_EXTRACTION_WORKERS: '1',
  QUIRE_FETCH_RETRIES: '0',
  QUIRE_FETCH_CONNECT_TIMEOUT_MS: '1000',
  QUIRE_WEBHOOK_RETRY_WINDOW_S: '0',
});
let code: number;
try {
  const report = await fuzz({
    host: server.host,
    port: server.port,
    apiKey: server.apiKey,
    protectedIds: [server.apiKeyId],
    requests: Number(values.requests),
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    timeoutMs: Number(values['timeout-ms']),
  });
  if (server.exited())
    report.findings.push({ kind: 'crash', request: '-', status: '-', detail: 'the server exited' });
  for (const line of server.errorLogs)
    report.findings.push({ kind: 'error log', request: '-', status: '-', detail: line });
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `fuzz: ${report.requests} requests, seed ${report.seed}, ${report.seconds.toFixed(1)} s`,
    );
    console.log('status   count');
    for (const [status, count] of Object.entries(report.statuses).sort())
      console.log(`${status.padEnd(8)} ${count}`);
    console.log(`findings: ${report.findings.length}`);
    const shown = new Map<string, number>();
    for (const finding of report.findings) {
      const key = `${finding.kind} ${finding.request.replace(/\?.*? \[/, ' [')}`;
      shown.set(key, (shown.get(key) ?? 0) + 1);
      if ((shown.get(key) ?? 0) <= 3)
        console.log(
          `  ${finding.kind} | ${finding.status} | ${finding.request} | ${finding.detail}`,
        );
    }
  }
  code = report.findings.length > 0 ? 1 : 0;
} finally {
  const exit = await server.stop();
  if (exit !== 0 && exit !== null) console.error(`fuzz: server exit ${exit}`);
}
process.exit(code);
