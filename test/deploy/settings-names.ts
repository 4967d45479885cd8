/**
 * Which QUIRE_* names the deployment files use that the settings tables do not define: a renamed
 * or removed setting fails the deploy tests instead of being silently ignored by a pod.
 */
import { describeSettings } from '../../src/config.js';

/**
 * Settings issue 14's parallel branches add (S3 blob store, Redis prefix). Each must be absent
 * from the tables until its branch is merged; then settings-names.test.ts fails until it is
 * taken out of this list, so the list empties itself and cannot hide a typo for long.
 */
export const SETTINGS_FROM_PARALLEL_BRANCHES: readonly string[] = [
  'QUIRE_BLOB_STORE',
  'QUIRE_S3_BUCKET',
  'QUIRE_S3_PREFIX',
  'QUIRE_S3_ENDPOINT',
  'QUIRE_S3_REGION',
  'QUIRE_S3_FORCE_PATH_STYLE',
  'QUIRE_S3_SSE',
  'QUIRE_REDIS_PREFIX',
];

export function definedSettings(): Set<string> {
  return new Set(describeSettings().map((setting) => setting.env));
}

/** The QUIRE_* names among `names` that no setting (nor a pending one) defines. */
export function unknownSettings(names: Iterable<string>): string[] {
  const known = new Set([...definedSettings(), ...SETTINGS_FROM_PARALLEL_BRANCHES]);
  return [...new Set(names)].filter((name) => name.startsWith('QUIRE_') && !known.has(name));
}
