/**
 * The process logger: JSON lines, one `request_id` on each request's lines, the active span's
 * trace id on every line written inside one, and secrets redacted wherever they appear in a
 * logged object.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config.js';
import { activeSpanIds } from './shared/spans.js';

const SECRET_FIELDS = [
  'password',
  'secret',
  'token',
  'api_key',
  'apiKey',
  'authorization',
  'cookie',
];

/** Paths pino redacts. Wildcards match one whole segment, so each depth is listed. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

/**
 * Every line written while a span is active carries its `trace_id` and `span_id` (job start/end
 * lines, errors…), whoever writes it; a line's own `trace_id` field, if any, wins.
 */
function traceFields(): object {
  // A new object every time: pino merges the line's own fields into what the mixin returns.
  return activeSpanIds() ?? {};
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    mixin: traceFields,
    base: { service: 'quire' },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return destination === undefined
    ? pino(loggerOptions(level))
    : pino(loggerOptions(level), destination);
}
