/**
 * Where the CLI finds its server and key: flags, then QUIRE_URL / QUIRE_API_KEY, then the config
 * file ($XDG_CONFIG_HOME/quire/config.json, else ~/.config/quire/config.json): `{"url", "api_key"}`.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ClientSettings {
  url: string;
  apiKey: string | undefined;
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'quire', 'config.json');
}

function readConfigFile(path: string): { url?: string; api_key?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    const { url, api_key: apiKey } = parsed as Record<string, unknown>;
    return {
      ...(typeof url === 'string' ? { url } : {}),
      ...(typeof apiKey === 'string' ? { api_key: apiKey } : {}),
    };
  } catch (error) {
    throw new UsageError(`${path} is not a JSON object: ${(error as Error).message}`);
  }
}

export function resolveSettings(
  flags: { url?: string | undefined; apiKey?: string | undefined },
  env: NodeJS.ProcessEnv,
): ClientSettings {
  const file = readConfigFile(configFilePath(env));
  const url = flags.url ?? env.QUIRE_URL ?? file.url ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  return { url, apiKey: flags.apiKey ?? env.QUIRE_API_KEY ?? file.api_key };
}
