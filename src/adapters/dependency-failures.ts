/**
 * Failure classification: an error from reaching a dependency (database, Redis) is a retryable
 * 503 DEPENDENCY_UNAVAILABLE, not an internal bug. Recognised by the error codes Node, pg and
 * ioredis use for lost, refused and timed-out connections.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
// PostgreSQL SQLSTATEs: connection exceptions (08…), shutdown and crash (57P01–57P03), too many
// connections (53300), statement timeout / cancel (57014).
const POSTGRES_STATES = /^(08\d{3}|57P0[1-3]|53300|57014)$/;
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|Command timed out/i;

export function isDependencyFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_STATES.test(code)))
    return true;
  return typeof message === 'string' && MESSAGES.test(message);
}
