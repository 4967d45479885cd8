/**
 * Every setting Quire reads, in one table composed from src/settings/ (one file per concern): its
 * environment variable, its default, how it is parsed and what it means. `loadConfig` reads them
 * once at boot; the first bad value throws a `ConfigError` naming the variable, and the CLI turns
 * that into one line and exit code 1.
 */
import type { ExtractionLimits } from './ports/extractor.js';
import { AUTH_SETTINGS, type AuthConfig } from './settings/auth.js';
import { CONVERT_DATA_SETTINGS, type ConvertDataConfig } from './settings/convert.js';
import { FETCH_SETTINGS, type FetchConfig } from './settings/fetch.js';
import {
  EXTRACTION_SETTINGS,
  JOB_QUEUE_SETTINGS,
  OCR_SETTINGS,
  LIBREOFFICE_SETTINGS,
  type JobsConfig,
} from './settings/jobs.js';
import {
  BODY_LIMIT_SETTINGS,
  RATE_LIMIT_SETTINGS,
  STREAM_LIMIT_SETTINGS,
  UPLOAD_LIMIT_SETTINGS,
  type LimitsConfig,
} from './settings/limits.js';
import {
  PASSAGE_SETTINGS,
  RERANK_POOL_SETTINGS,
  SCORING_SETTINGS,
  SEMANTIC_MODEL_SETTINGS,
  type SearchRerankConfig,
} from './settings/search-rerank.js';
import {
  CLIENT_TRUST_SETTINGS,
  CONNECTION_SETTINGS,
  CONSOLE_SETTINGS,
  IDEMPOTENCY_SETTINGS,
  LISTENER_SETTINGS,
  LOAD_SHEDDING_SETTINGS,
  PROBE_SETTINGS,
  PROCESS_SETTINGS,
  SHUTDOWN_SETTINGS,
  type ServerConfig,
} from './settings/server.js';
import type { Setting, SettingsTable } from './settings/setting.js';
import {
  BLOB_STORE_SETTINGS,
  DATABASE_SETTINGS,
  ENCRYPTION_SETTINGS,
  REDIS_SETTINGS,
  type StorageConfig,
} from './settings/storage.js';
import { WEBHOOK_SETTINGS, type WebhookConfig } from './settings/webhooks.js';

export type { TrustProxy } from './settings/parsers.js';
export type { LogLevel, Role } from './settings/server.js';

export type Config = ServerConfig &
  StorageConfig &
  AuthConfig &
  LimitsConfig &
  FetchConfig &
  JobsConfig &
  WebhookConfig &
  SearchRerankConfig &
  ConvertDataConfig;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * The settings in the order the README's table lists them (`npm run docs:settings` writes it from
 * here, so moving a line here moves a row there). The type makes every field of Config appear.
 */
const SETTINGS: SettingsTable<Config> = {
  ...LISTENER_SETTINGS,
  ...DATABASE_SETTINGS,
  ...PROCESS_SETTINGS,
  ...CLIENT_TRUST_SETTINGS,
  ...CONSOLE_SETTINGS,
  ...BODY_LIMIT_SETTINGS,
  ...CONNECTION_SETTINGS,
  ...SHUTDOWN_SETTINGS,
  ...LOAD_SHEDDING_SETTINGS,
  ...PROBE_SETTINGS,
  ...REDIS_SETTINGS,
  ...AUTH_SETTINGS,
  ...RATE_LIMIT_SETTINGS,
  ...UPLOAD_LIMIT_SETTINGS,
  ...ENCRYPTION_SETTINGS,
  ...BLOB_STORE_SETTINGS,
  ...FETCH_SETTINGS,
  ...IDEMPOTENCY_SETTINGS,
  ...JOB_QUEUE_SETTINGS,
  ...EXTRACTION_SETTINGS,
  ...OCR_SETTINGS,
  ...LIBREOFFICE_SETTINGS,
  ...STREAM_LIMIT_SETTINGS,
  ...WEBHOOK_SETTINGS,
  ...SCORING_SETTINGS,
  ...PASSAGE_SETTINGS,
  ...SEMANTIC_MODEL_SETTINGS,
  ...RERANK_POOL_SETTINGS,
  ...CONVERT_DATA_SETTINGS,
};

export type Environment = Record<string, string | undefined>;

function readSetting<Value>(setting: Setting<string, Value>, env: Environment): Value {
  const names = [setting.env, ...(setting.aliases ?? [])];
  const name = names.find((candidate) => env[candidate] !== undefined);
  const fallback = typeof setting.default === 'function' ? setting.default() : setting.default;
  const raw = name === undefined ? fallback : env[name];
  try {
    return setting.parse(raw ?? '');
  } catch (error) {
    throw new ConfigError(name ?? setting.env, (error as Error).message);
  }
}

/** Parses every setting from the environment; throws ConfigError on the first bad one. */
export function loadConfig(env: Environment = process.env): Config {
  const settings: Setting<string, unknown>[] = Object.values(SETTINGS);
  const entries = settings.map((setting) => [setting.key, readSetting(setting, env)]);
  const config = Object.fromEntries(entries) as Config;
  checkCombinations(config);
  return config;
}

/** Settings that are each valid alone but not together. */
function checkCombinations(config: Config): void {
  if (config.blobStore === 's3' && config.s3Bucket === undefined)
    throw new ConfigError('QUIRE_S3_BUCKET', 'is required when QUIRE_BLOB_STORE=s3');
}

/** The settings table, for docs and tests that check the docs name every variable. */
export function describeSettings(): { env: string; default: string; description: string }[] {
  return Object.values(SETTINGS).map((setting) => ({
    env: setting.env,
    default: typeof setting.default === 'function' ? '(computed)' : (setting.default ?? '(unset)'),
    description: setting.description,
  }));
}

/** One Markdown table row per setting: `| VAR | default | meaning |`. */
export function settingsTableRows(): string[] {
  return describeSettings().map((setting) => {
    const fallback = setting.default === '' ? '(empty)' : setting.default;
    const shown = fallback.startsWith('(') ? fallback : `\`${fallback}\``;
    return `| \`${setting.env}\` | ${shown} | ${setting.description} |`;
  });
}

/** What extraction may take of a document, from the settings (background jobs and /v1/convert). */
export function extractionLimits(config: Config): ExtractionLimits {
  return {
    maxPages: config.maxPages,
    maxUnzippedBytes: config.maxUnzippedBytes,
    maxTextChars: config.maxExtractedChars,
    maxOcrPages: config.ocrMaxPages,
    maxSheetRows: config.sheetMaxRows,
    maxSheetColumns: config.sheetMaxColumns,
    includeHiddenSheets: config.sheetHidden === 'include',
  };
}
