/**
 * The shared servers some tests need (PostgreSQL, Redis): a quick TCP probe before first use, so a
 * missing server fails the test at once with which service, where and how to start it — instead
 * of a client retrying until the test times out.
 */
import { connect } from 'node:net';

export interface TestService {
  name: string;
  url: string;
  /** The setting that points the tests elsewhere. */
  variable: string;
  defaultPort: number;
  /** How to start one here. */
  start: string;
}

const PROBE_TIMEOUT_MS = 2000;
const probes = new Map<string, Promise<void>>();

function reachable(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** Resolves when the service accepts connections; rejects at once (≤ 2 s) with a useful message. */
export function requireService(service: TestService): Promise<void> {
  const known = probes.get(service.url);
  if (known !== undefined) return known;
  const url = new URL(service.url);
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(url.port || service.defaultPort);
  const probe = reachable(host, port).then((problem) => {
    if (problem === null) return;
    throw new Error(
      `${service.name} is not reachable at ${host}:${port} (${problem}), which this test needs. ` +
        `Start it (${service.start}) or point ${service.variable} at one.`,
    );
  });
  probes.set(service.url, probe);
  return probe;
}
