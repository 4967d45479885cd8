/** Single requests to a benchmark target (each on a fresh connection, bounded by a timeout). */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection, to check a server answers what we are about to measure. */
export function requestOnce(
  url: string,
  options: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { connection: 'close', ...options.headers },
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** GETs `url` and throws unless it answers 200 with exactly `expected` as JSON. */
export async function expectJson(
  url: string,
  expected: unknown,
  headers?: Record<string, string>,
): Promise<SimpleResponse> {
  const response = await requestOnce(url, headers === undefined ? {} : { headers });
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  if (response.status !== 200 || JSON.stringify(parsed) !== JSON.stringify(expected)) {
    throw new Error(
      `GET ${url} answered ${response.status} ${response.body}, expected 200 ${JSON.stringify(expected)}`,
    );
  }
  return response;
}

/**
 * Polls `<url>/readyz` until it answers 200. A Quire target prints its URL before its extraction
 * threads have warmed up; measured before /readyz says ready, a run would count the warm-up's CPU
 * (threads loading modules) against the requests and share the cores with it.
 */
export async function waitForReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await requestOnce(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
