/**
 * Schema-driven fuzzing of a running Quire: operations come from its live /openapi.json; each
 * request is valid or mutated (body values, encodings, content types, multipart, paths, headers).
 * Every answer is checked: X-Request-ID present; no 5xx but documented ones; every 4xx/5xx a
 * problem+json whose code is in the catalogue with its status and the request id; no hang.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/ports/failures.js';
import { rawRequest, RequestTimeout, type RawResponse } from './raw-http.js';
import { mutate, Random, valid, type Schema } from './schema-values.js';

/** 5xx answers the contract documents for a server without optional parts (no semantic model). */
const EXPECTED_5XX = new Set<ErrorCode>(['MODEL_UNAVAILABLE']);

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required: boolean; schema: Schema }[];
  bodies: Record<string, Schema>;
}

interface Planned {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
}

export interface Finding {
  kind: string;
  request: string;
  status: number | string;
  detail: string;
}

export interface FuzzReport {
  requests: number;
  seed: number;
  seconds: number;
  statuses: Record<string, number>;
  findings: Finding[];
  kinds: Record<string, number>;
}

export interface FuzzOptions {
  host: string;
  port: number;
  apiKey: string;
  /** Never used as a path id (the fuzzer's own key). */
  protectedIds: string[];
  requests: number;
  seed: number;
  concurrency: number;
  timeoutMs: number;
  onProgress?: (done: number) => void;
}

function operationsOf(openapi: Record<string, unknown>): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(
    openapi.paths as Record<string, Record<string, Schema>>,
  ))
    for (const [method, op] of Object.entries(item)) {
      const content = ((op.requestBody as Schema | undefined)?.content ?? {}) as Record<
        string,
        Schema
      >;
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Operation['parameters'],
        bodies: Object.fromEntries(
          Object.entries(content).map(([type, c]) => [type, (c.schema ?? {}) as Schema]),
        ),
      });
    }
  return out;
}

const BAD_PATH_PIECES = [
  '%',
  '%zz',
  '%00',
  '%ff%fe',
  '..%2f..%2f',
  'a'.repeat(300),
  '%E0%A4%A',
  '😀',
  '\u0000',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'application/octet-stream',
  'garbage',
  'multipart/form-data',
];

function encodePart(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'));
}

function multipartBody(random: Random): { type: string; body: Buffer } {
  const boundary = `----fuzz${random.int(0, 1e9)}`;
  const files: [string, string][] = [
    ['a.txt', 'hello fuzz world\n'],
    ['a.md', '# Title\n\ntext\n'],
    ['a.csv', 'a,b\n1,2\n'],
    ['a.json', '{"a":[1,2]}'],
    ['a.html', '<html><body><p>hi</p></body></html>'],
    ['a.pdf', '%PDF-1.4 garbage'],
    ['a.bin', '\u0000\u0001\u0002'],
  ];
  const [filename, content] = random.pick(files);
  const parts: string[] = [];
  if (random.chance(0.3))
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${random.pick(['t', '', 'x'.repeat(70_000), '\u0000'])}\r\n`,
    );
  if (random.chance(0.3))
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${random.pick(['tags', 'metadata', 'evil', 'password'])}"\r\n\r\n${random.pick(['a,b', '{"x":1}', '{oops', '[1]'])}\r\n`,
    );
  if (!random.chance(0.1))
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`,
    );
  let body = parts.join('') + `--${boundary}--\r\n`;
  switch (random.int(0, 5)) {
    case 0:
      body = body.slice(0, random.int(0, body.length)); // cut short
      break;
    case 1:
      return { type: 'multipart/form-data', body: Buffer.from(body) }; // no boundary
    case 2:
      body = body.replace(/\r\n/g, '\n');
      break;
    default:
  }
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(body) };
}

function plan(random: Random, operations: Operation[], ids: string[], auth: string): Planned {
  const op = random.pick(operations);
  const mutating = random.chance(0.6);
  const headers: Record<string, string | string[]> = { authorization: auth };
  let path = op.path.replace(/\{(\w+)\}/g, () =>
    random.chance(0.5) && ids.length > 0
      ? random.pick(ids)
      : encodePart(valid(random, { type: 'string', minLength: 1, maxLength: 30 })),
  );
  const query: string[] = [];
  for (const parameter of op.parameters.filter((p) => p.in === 'query')) {
    if (!parameter.required && !random.chance(0.4)) continue;
    const value =
      mutating && random.chance(0.3)
        ? mutate(random, parameter.schema)
        : valid(random, parameter.schema);
    for (const each of Array.isArray(value) ? value : [value])
      query.push(`${parameter.name}=${encodePart(each)}`);
  }
  let label = `${op.method} ${op.path}`;
  let body: Buffer | string | undefined;
  const types = Object.keys(op.bodies);
  if (types.length > 0 || op.method === 'POST' || op.method === 'PATCH') {
    const type = types.includes('application/json')
      ? 'application/json'
      : (types[0] ?? 'application/json');
    const schema = op.bodies[type] ?? {};
    const value = mutating && random.chance(0.5) ? mutate(random, schema) : valid(random, schema);
    headers['content-type'] = type;
    body = JSON.stringify(value) ?? 'null';
    if (op.path.startsWith('/v1/documents') && op.method === 'POST' && random.chance(0.3)) {
      const form = multipartBody(random);
      headers['content-type'] = form.type;
      body = form.body;
      label += ' multipart';
    } else if (op.path === '/v1/convert' && random.chance(0.5)) {
      headers['content-type'] = random.pick([
        'text/plain',
        'text/markdown',
        'text/html',
        'application/pdf',
      ]);
      body = random.pick(['plain text', '# md', '<p>x</p>', '%PDF-1.7 nope']);
    }
  }
  if (mutating) {
    switch (random.int(0, 11)) {
      case 0:
        path = `${path}/${random.pick(BAD_PATH_PIECES)}`;
        label += ' bad-path';
        break;
      case 1:
        query.push(`${random.pick(['limit', 'cursor', 'q', 'x'])}=${random.pick(BAD_PATH_PIECES)}`);
        label += ' bad-query';
        break;
      case 2:
        if (body !== undefined) {
          headers['content-type'] = random.pick(CONTENT_TYPES);
          label += ' wrong-type';
        }
        break;
      case 3:
        if (body !== undefined) {
          body = random.pick([
            '{',
            '{"a":1,"a":2}',
            '[1,2',
            '\u0000',
            '{"text":"\\ud800"}',
            '{"text":"a","text":"b"}',
            'x'.repeat(2_000_000),
            '',
          ]);
          label += ' broken-json';
        }
        break;
      case 4:
        headers.authorization = random.pick([
          'Bearer ',
          'Bearer qk_nope',
          'Basic eA==',
          `Bearer ${'a'.repeat(5000)}`,
          'Bearer eyJhbGciOiJub25lIn0.e30.',
        ]);
        label += ' bad-auth';
        break;
      case 5:
        headers['x-request-id'] = random.pick(['', 'a b', 'x'.repeat(300), '../../', 'ok-id.1']);
        label += ' request-id';
        break;
      case 6:
        headers['idempotency-key'] = random.pick(['k1', '', 'x'.repeat(300), 'é']);
        label += ' idempotency';
        break;
      case 7:
        if (body !== undefined) {
          // Shorter than sent (the rest is a broken next request), or longer: the server must
          // answer 408 once the request timeout has passed, not hold the connection.
          const declared = Buffer.byteLength(body) + random.pick([-1, 16]);
          headers['content-length'] = String(Math.max(0, declared));
          label += ' wrong-length';
        }
        break;
      case 8:
        headers.range = random.pick([
          'bytes=0-0',
          'bytes=-1',
          'bytes=5-1',
          'bytes=0-1,3-4',
          'bytes=99999999999999999999-',
          'items=0-1',
        ]);
        headers['if-range'] = random.pick(['"x"', 'W/"x"', 'Tue, 01 Dec 2026 00:00:00 GMT']);
        label += ' range';
        break;
      case 9:
        headers['accept-encoding'] = random.pick(['gzip', 'br', 'deflate', 'identity;q=0, *;q=0']);
        headers.accept = random.pick(['text/html', 'application/xml', '*/*']);
        label += ' accept';
        break;
      case 10:
        if (body !== undefined) {
          headers['content-encoding'] = random.pick(['gzip', 'br', 'x-unknown']);
          label += ' content-encoding';
        }
        break;
      default:
        headers['x-api-key'] = ['qk_a', 'qk_b'];
        label += ' duplicate-header';
    }
  }
  const target = query.length > 0 ? `${path}?${query.join('&')}` : path;
  return {
    label,
    method: op.method,
    path: target,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

function check(planned: Planned, response: RawResponse): Finding[] {
  const findings: Finding[] = [];
  const request = `${planned.method} ${planned.path.slice(0, 160)} [${planned.label}]`;
  const add = (kind: string, detail: string): void => {
    findings.push({ kind, request, status: response.status, detail: detail.slice(0, 300) });
  };
  const requestId = response.headers['x-request-id'];
  if (!requestId) add('missing X-Request-ID', '');
  if (response.status < 400) return findings;
  const type = response.headers['content-type'] ?? '';
  if (!type.startsWith('application/problem+json')) {
    add('not problem+json', `${type} ${response.text().slice(0, 200)}`);
    return findings;
  }
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(response.text()) as Record<string, unknown>;
  } catch {
    add('unparsable problem', response.text().slice(0, 200));
    return findings;
  }
  const code = problem.code as ErrorCode;
  const entry = ERROR_CATALOGUE[code];
  if (entry === undefined) add('uncatalogued code', String(problem.code));
  else if (entry.status !== response.status)
    add('code/status mismatch', `${code} is ${entry.status}`);
  if (problem.status !== response.status) add('body status mismatch', String(problem.status));
  if (requestId && problem.request_id !== requestId)
    add('request_id mismatch', String(problem.request_id));
  if (response.status >= 500 && !EXPECTED_5XX.has(code))
    add('5xx', `${code}: ${String(problem.detail)}`);
  return findings;
}

export async function fetchOpenApi(host: string, port: number): Promise<Record<string, unknown>> {
  const response = await rawRequest({
    host,
    port,
    method: 'GET',
    path: '/openapi.json',
    headers: {},
    timeoutMs: 15_000,
  });
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  return JSON.parse(response.text()) as Record<string, unknown>;
}

/** Collects ids of real objects from JSON answers, so paths hit existing documents and jobs too. */
function harvestIds(body: string, ids: string[], protectedIds: string[]): void {
  for (const match of body.matchAll(/"id":"((?:doc|job|wh)_[A-Za-z0-9]+)"/g)) {
    const id = match[1] as string;
    if (!protectedIds.includes(id) && !ids.includes(id) && ids.length < 200) ids.push(id);
  }
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const operations = operationsOf(await fetchOpenApi(options.host, options.port));
  const random = new Random(options.seed);
  const ids: string[] = [];
  const statuses: Record<string, number> = {};
  const findings: Finding[] = [];
  const auth = `Bearer ${options.apiKey}`;
  let next = 0;
  let done = 0;
  // Requests are planned in order from one seeded source; ids harvested from answers vary with
  // timing, so only the plan (not which existing id a path names) is fully deterministic.
  const planned = Array.from({ length: options.requests }, () =>
    plan(random, operations, [], auth),
  );
  const idRandom = new Random(options.seed ^ 0x5eed);
  async function worker(): Promise<void> {
    for (;;) {
      const index = next++;
      if (index >= planned.length) return;
      let request = planned[index] as Planned;
      if (ids.length > 0 && idRandom.chance(0.4))
        request = {
          ...request,
          path: request.path.replace(
            /^(\/v1\/(?:documents|jobs|webhooks))\/[^/?]+/,
            `$1/${idRandom.pick(ids)}`,
          ),
        };
      try {
        const response = await rawRequest({
          host: options.host,
          port: options.port,
          timeoutMs: options.timeoutMs,
          ...request,
        });
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        findings.push(...check(request, response));
        if (response.status < 300) harvestIds(response.text(), ids, options.protectedIds);
      } catch (error) {
        // A server that answers early (404, 413) and closes while a body is still being written
        // can reset the connection before its answer is read: not counted as a finding.
        const reset = request.body !== undefined && !(error instanceof RequestTimeout);
        if (reset) {
          statuses.reset = (statuses.reset ?? 0) + 1;
          options.onProgress?.(++done);
          continue;
        }
        const kind = error instanceof RequestTimeout ? 'hang' : 'connection error';
        statuses[kind] = (statuses[kind] ?? 0) + 1;
        findings.push({
          kind,
          request: `${request.method} ${request.path.slice(0, 160)} [${request.label}]`,
          status: kind,
          detail: String((error as Error).message),
        });
      }
      options.onProgress?.(++done);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  const kinds: Record<string, number> = {};
  for (const finding of findings) kinds[finding.kind] = (kinds[finding.kind] ?? 0) + 1;
  return {
    requests: options.requests,
    seed: options.seed,
    seconds: (performance.now() - started) / 1000,
    statuses,
    findings,
    kinds,
  };
}
