/**
 * A real S3-protocol server for tests: s3rver (the npm package) in a child process on loopback,
 * on a port the test names and its own temporary directory, with one bucket made at start. It
 * can be stopped abruptly (a crash, as clients see it) and started again on the same port and
 * data; cleanup stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
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

export async function startS3Server(port: number, bucket = 'quire-test'): Promise<S3TestServer> {
  const dir = tempDir('quire-s3rver-');
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const clients: S3Client[] = [];

  const start = async (): Promise<void> => {
    const script = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
    const args = ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'];
    child = spawn(process.execPath, [script, ...args, '--configure-bucket', bucket], {
      stdio: 'ignore',
    });
    const started = child;
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) => reject(new Error(`s3rver exited at start (code ${code})`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForHttp(endpoint, Date.now() + 15_000), exited]);
  };
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

  await start();
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

/** Files under `dir` (recursively), or none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
