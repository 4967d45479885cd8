/**
 * Which QUIRE_* names the deployment files use that the settings tables do not define: a renamed
 * or removed setting fails the deploy tests instead of being silently ignored by a pod.
 */
import { describeSettings } from '../../src/config.js';

export function definedSettings(): Set<string> {
  return new Set(describeSettings().map((setting) => setting.env));
}

/** The QUIRE_* names among `names` that no setting (nor a pending one) defines. */
export function unknownSettings(names: Iterable<string>): string[] {
  const known = definedSettings();
  return [...new Set(names)].filter((name) => name.startsWith('QUIRE_') && !known.has(name));
}
