/// <reference types="node" />
/**
 * Node-only helpers (`@quire/client/node`): files from paths, read as they are sent — never
 * whole in memory. The main entry imports this module only when given a path.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';

/** A file on disk as a Blob named like it (streamed from disk when sent). */
export async function fileFromPath(path: string): Promise<{ blob: Blob; name: string }> {
  const info = await stat(path);
  if (!info.isFile()) throw new TypeError(`${path} is not a file`);
  return { blob: await openAsBlob(path), name: basename(path) };
}
