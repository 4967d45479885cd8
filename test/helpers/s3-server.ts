/**
 * A real S3-protocol server for tests: s3rver (the npm package) in a child process on loopback,
 * on a port the test names and its own temporary directory, with one bucket made at start. It
 * can be stopped abruptly (a crash, as clients see it) and started again on the same port and
 * data; cleanup stops it.
 */
import type { ChildProcess } from 'node:child_process';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  s3rverClient,
  s3rverEndpoint,
  s3rverQuireEnv,
  spawnS3rver,
} from '../../scripts/lib/s3rver.js';
import { onCleanup, tempDir } from './app.js';

export { S3RVER_CREDENTIALS } from '../../scripts/lib/s3rver.js';

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

/**
 * Ports this project's tests own: below Linux's ephemeral range (32768–60999), so no outgoing
 * connection or port-0 listener of a parallel test can hold one; another program still might.
 */
const LAST_OWN_PORT = 27199;

/**
 * Starts s3rver on `port`, or, if that is taken (another program may hold it), on `port` + 10, + 20… within the range. Restarts reuse the port it got.
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
    child = await spawnS3rver(port, dir, bucket);
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
  const endpoint = s3rverEndpoint(port);
  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  const client = (): S3Client => {
    const made = s3rverClient(endpoint);
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
    env: (prefix = '') => s3rverQuireEnv(endpoint, bucket, prefix),
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
