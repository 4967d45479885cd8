/**
 * Fastify gives every request a child logger bound to its request id. Building a pino child (with
 * our redaction setup) costs more than most requests spend elsewhere, and most requests never log
 * through it (their one line is written by request-log). This child is built on first use.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

export function lazyChild(
  create: () => FastifyBaseLogger,
  level: LevelWithSilentOrString,
): FastifyBaseLogger {
  let real: FastifyBaseLogger | undefined;
  const get = (): FastifyBaseLogger => (real ??= create());
  return {
    get level() {
      return real?.level ?? level;
    },
    set level(value: LevelWithSilentOrString) {
      get().level = value;
    },
    fatal: (...args: Parameters<FastifyBaseLogger['fatal']>) => get().fatal(...args),
    error: (...args: Parameters<FastifyBaseLogger['error']>) => get().error(...args),
    warn: (...args: Parameters<FastifyBaseLogger['warn']>) => get().warn(...args),
    info: (...args: Parameters<FastifyBaseLogger['info']>) => get().info(...args),
    debug: (...args: Parameters<FastifyBaseLogger['debug']>) => get().debug(...args),
    trace: (...args: Parameters<FastifyBaseLogger['trace']>) => get().trace(...args),
    silent: (...args: Parameters<FastifyBaseLogger['silent']>) => get().silent(...args),
    child: (bindings: Bindings, options?: ChildLoggerOptions) => get().child(bindings, options),
  } as FastifyBaseLogger;
}
