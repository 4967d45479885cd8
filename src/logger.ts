/**
 * The process logger: JSON lines, one `request_id` on each request's lines, the active span's
 * trace id on every line written inside one, and secrets redacted wherever they appear in a
 * logged object. On a terminal (stdout is a TTY) the same lines are printed for people instead:
 * one coloured line each, its fields indented below.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
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

let timeWrittenAt = -1;
let timeField = '';

/**
 * pino's ISO time field, formatted once per millisecond: a busy process writes many lines in each
 * one, and formatting the date was ~2% of a small request's CPU (`npm run bench:http-profile`).
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== timeWrittenAt) {
    timeWrittenAt = now;
    timeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeField;
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    mixin: traceFields,
    base: { service: 'quire' },
    messageKey: 'msg',
    timestamp: isoTime,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** Human-readable lines for a terminal, written synchronously (nothing lost at exit). */
function terminal(): DestinationStream {
  return pretty({
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    messageKey: 'msg',
  });
}

/** JSON lines to `destination`; without one, to stdout, pretty when stdout is a terminal. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  if (destination !== undefined) return pino(loggerOptions(level), destination);
  return process.stdout.isTTY ? pino(loggerOptions(level), terminal()) : pino(loggerOptions(level));
}
