/**
 * A real S3-protocol server for tests: s3rver (the npm package) in a child process on loopback,
 * on a port the test names and its own temporary directory, with one bucket made at start. It
 * can be stopped abruptly (a crash, as clients see it) and started again on the same port and
 * data; cleanup stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { onCleanup, tempDir } from './app.js';
import { ROOT } from './process.js';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  port: number;
  /** The environment that points a Quire process at this server. */
  env(prefix?: string): Record<string, string>;
  /** A client for this server (path-style, s3rver's fixed credentials); destroyed at cleanup. */
  client(): S3Client;
  /** Every key in the bucket under `prefix`. */
  keys(prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function waitForHttp(endpoint: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`s3rver did not answer on ${endpoint}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Ports this project's tests own; a port in it may still be taken by an ephemeral socket. */
const LAST_OWN_PORT = 47199;

/**
 * Starts s3rver on `port`, or, if that is taken (ports in this range can also be handed out as
 * ephemeral ports), on `port` + 10, + 20… within the range. Restarts reuse the port it got.
 */
export async function startS3Server(
  preferredPort: number,
  bucket = 'quire-test',
): Promise<S3TestServer> {
  const dir = tempDir('quire-s3rver-');
  let port = preferredPort;
  let child: ChildProcess | undefined;
  const clients: S3Client[] = [];

  const start = async (): Promise<void> => {
    const script = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
    const args = ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'];
    child = spawn(process.execPath, [script, ...args, '--configure-bucket', bucket], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const started = child;
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) =>
        reject(new Error(`s3rver exited at start (code ${code}): ${stderr.slice(-500)}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForHttp(`http://127.0.0.1:${port}`, Date.now() + 15_000), exited]);
  };
  for (;;) {
    try {
      await start();
      break;
    } catch (error) {
      const taken = /EADDRINUSE/.test((error as Error).message);
      if (!taken || port + 10 > LAST_OWN_PORT) throw error;
      port += 10;
    }
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  const client = (): S3Client => {
    const made = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.push(made);
    return made;
  };
  const lister = client();

  onCleanup(async () => {
    for (const made of clients) made.destroy();
    await stop();
  });
  return {
    endpoint,
    bucket,
    port,
    env: (prefix = '') => ({
      QUIRE_BLOB_STORE: 's3',
      QUIRE_S3_BUCKET: bucket,
      QUIRE_S3_PREFIX: prefix,
      QUIRE_S3_ENDPOINT: endpoint,
      QUIRE_S3_FORCE_PATH_STYLE: 'on',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    }),
    client,
    async keys(prefix = '') {
      const found: string[] = [];
      let token: string | undefined;
      do {
        const page = await lister.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key !== undefined) found.push(object.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return found;
    },
    stop,
    start,
  };
}
