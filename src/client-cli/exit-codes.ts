/** Exit codes by failure kind, so scripts can tell a typo from an outage. */
import { QuireError, QuireJobError, QuireNetworkError } from '@quire/client';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  refused: 5,
  unavailable: 6,
  network: 7,
  extractionFailed: 8,
} as const;

export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof QuireJobError) return EXIT.extractionFailed;
  if (error instanceof QuireNetworkError) return EXIT.network;
  if (error instanceof QuireError) {
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    if (error.status === 404) return EXIT.notFound;
    if (error.status === 429 || error.status === 502 || error.status === 503)
      return EXIT.unavailable;
    if (error.status === 504 || error.code === 'TIMEOUT') return EXIT.unavailable;
    if (error.status >= 400 && error.status < 500) return EXIT.refused;
  }
  return EXIT.unexpected;
}

export function describeError(error: unknown): string {
  if (error instanceof QuireError) {
    const id = error.requestId ? ` (request ${error.requestId})` : '';
    const fields = error.errors.map((field) => `\n  ${field.path}: ${field.message}`).join('');
    return `${error.code}: ${error.detail ?? error.title}${id}${fields}`;
  }
  return error instanceof Error ? error.message : String(error);
}
