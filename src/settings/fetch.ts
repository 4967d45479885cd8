/** URL ingestion: hosts exempt from the SSRF guard; a download's timeouts, size cap and retries. */
import { hostList, integer } from './parsers.js';
import type { SettingsTable } from './setting.js';

export interface FetchConfig {
  fetchAllowHosts: string[];
  fetchConnectTimeoutMs: number;
  fetchTotalTimeoutMs: number;
  fetchMaxBytes: number;
  fetchRetries: number;
}

export const FETCH_SETTINGS: SettingsTable<FetchConfig> = {
  fetchAllowHosts: {
    key: 'fetchAllowHosts',
    env: 'QUIRE_FETCH_ALLOW_HOSTS',
    default: '',
    parse: hostList,
    description: 'Comma list of host[:port] exempt from the SSRF guard (tests, intranets).',
  },
  fetchConnectTimeoutMs: {
    key: 'fetchConnectTimeoutMs',
    env: 'QUIRE_FETCH_CONNECT_TIMEOUT_MS',
    default: '5000',
    parse: integer(100, 120000),
    description: 'URL ingestion: time to connect (and to receive response headers).',
  },
  fetchTotalTimeoutMs: {
    key: 'fetchTotalTimeoutMs',
    env: 'QUIRE_FETCH_TOTAL_TIMEOUT_MS',
    default: '300000',
    parse: integer(1000, 24 * 3600 * 1000),
    description: 'URL ingestion: time for one whole download.',
  },
  fetchMaxBytes: {
    key: 'fetchMaxBytes',
    env: 'QUIRE_FETCH_MAX_BYTES',
    default: String(1024 ** 3),
    parse: integer(1, 1024 ** 4),
    description: 'URL ingestion: largest download; the fetch stops at this many bytes.',
  },
  fetchRetries: {
    key: 'fetchRetries',
    env: 'QUIRE_FETCH_RETRIES',
    default: '3',
    parse: integer(0, 10),
    description: 'URL ingestion: retries of one fetch on network errors, timeouts, 5xx and 429.',
  },
};
