/**
 * s3rver (the npm package's S3-protocol server) in a child process on loopback, for the tests and
 * benchmarks that need a real S3 endpoint: one bucket made at start, its data in the directory
 * given; path-style addressing and s3rver's fixed credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function s3rverEndpoint(port: number): string {
  return `http://127.0.0.1:${port}`;
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

/**
 * Starts s3rver on `port` and waits (15 s at most) until it answers; throws with the end of its
 * stderr (EADDRINUSE when the port is taken) if it exits first, killing it on a timeout.
 */
export async function spawnS3rver(
  port: number,
  dir: string,
  bucket: string,
): Promise<ChildProcess> {
  const script = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
  const args = [
    '-d',
    dir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-s',
    '--configure-bucket',
    bucket,
  ];
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`s3rver exited at start (code ${code}): ${stderr.slice(-500)}`)),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForHttp(s3rverEndpoint(port), Date.now() + 15_000), exited]);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
  return child;
}

/** A client for s3rver at `endpoint`: path-style, its credentials, checksums only when required. */
export function s3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The settings that point a Quire process at s3rver's bucket, under `prefix`. */
export function s3rverQuireEnv(
  endpoint: string,
  bucket: string,
  prefix: string,
): Record<string, string> {
  return {
    QUIRE_BLOB_STORE: 's3',
    QUIRE_S3_BUCKET: bucket,
    QUIRE_S3_PREFIX: prefix,
    QUIRE_S3_ENDPOINT: endpoint,
    QUIRE_S3_FORCE_PATH_STYLE: 'on',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}
