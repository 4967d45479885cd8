/**
 * Log lines of one fixed shape, written as the logger itself would write them but without pino's
 * general path. pino walks a line's object field by field, merges in the mixin's object and
 * allocates on the way: its request line was ~10% of a small request's CPU, and is ~7% written
 * here (`npm run bench:http-profile`, docs/adr/0004-request-path-costs.md). A line whose fields
 * are known in advance is one string.
 *
 * Everything but those fields comes from the logger: its level labels, time, bindings, mixin,
 * message key and destination, so the line is the one pino would have written, and a child
 * logger's bindings (or a test's sink) apply to it as to every other line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type LineLevel = 'info' | 'warn' | 'error';

/**
 * Writes one line at `level` holding `fields`: a JSON fragment of `,"key":value` pairs, whose
 * keys are the writer's `ownKeys` (a mixin field of the same name is left out: the line's own
 * value wins, as it does in pino).
 */
export type LineWriter = (level: LineLevel, fields: string) => void;

type Mixin = (mergeObject: object, level: number, logger: Logger) => Record<string, unknown>;
type LevelFormatter = (label: string, number: number) => object;

function internal<T>(logger: Logger, symbol: symbol): T {
  return (logger as unknown as Record<symbol, unknown>)[symbol] as T;
}

/** `{"level":"info"` as the logger's level formatter writes it, for each level a line may take. */
function levelOpenings(logger: Logger): Record<LineLevel, string> {
  const format = internal<{ level: LevelFormatter }>(logger, pino.symbols.formattersSym).level;
  const opening = (label: LineLevel): string => {
    const inner = JSON.stringify(format(label, logger.levels.values[label] ?? 0)).slice(1, -1);
    // pino writes the time and bindings after the level, each starting with a comma.
    if (inner === '') throw new Error('lines of a fixed shape need a logger that writes the level');
    return `{${inner}`;
  };
  return { info: opening('info'), warn: opening('warn'), error: opening('error') };
}

export function lineWriter(
  logger: Logger,
  message: string,
  ownKeys: readonly string[],
): LineWriter {
  const stream = internal<DestinationStream>(logger, pino.symbols.streamSym);
  const time = internal<() => string>(logger, pino.symbols.timeSym);
  const bindings = internal<string>(logger, pino.symbols.chindingsSym);
  const mixin = internal<Mixin | undefined>(logger, pino.symbols.mixinSym);
  const messageKey = internal<string>(logger, pino.symbols.messageKeySym);
  const openings = levelOpenings(logger);
  const closing = `,${JSON.stringify(messageKey)}:${JSON.stringify(message)}}\n`;
  const own = new Set(ownKeys);

  function mixinFields(level: LineLevel): string {
    if (mixin === undefined) return '';
    const extra = mixin({}, logger.levels.values[level] ?? 0, logger);
    let written = '';
    for (const key in extra) {
      if (!own.has(key)) written += `,${JSON.stringify(key)}:${JSON.stringify(extra[key])}`;
    }
    return written;
  }

  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    stream.write(openings[level] + time() + bindings + mixinFields(level) + fields + closing);
  };
}
