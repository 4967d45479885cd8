/**
 * Reads a V8 CPU profile (`node --cpu-prof`) for where a request's time goes: the share of the
 * busy samples each named function takes, and the functions that take the most themselves.
 *
 * Shares of one run are steadier than CPU totals on a shared machine: the same load can cost 60%
 * more CPU from one run to the next, but a hook's part of it moves far less.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface RawProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Picks a function out of the profile by its frame and its caller's. */
export interface FunctionMatcher {
  label: string;
  matches(frame: CallFrame, caller: CallFrame | undefined): boolean;
}

/** A function of this name, in a file whose path holds `file`. */
export function named(label: string, functionName: string, file = ''): FunctionMatcher {
  return {
    label,
    matches: (frame) => frame.functionName === functionName && frame.url.includes(file),
  };
}

/** Any function defined in `file` that Fastify's hook runner calls (an unnamed hook, say). */
export function hookIn(label: string, file: string): FunctionMatcher {
  return {
    label,
    matches: (frame, caller) =>
      frame.url.includes(file) && caller?.url.includes('fastify/lib/hooks.js') === true,
  };
}

/**
 * Fastify's own functions that go on to the next hook or the handler: a hook calling `done()`
 * runs the rest of the request inside it, which is not the hook's cost.
 */
const FASTIFY_CONTINUATIONS = new Set([
  'next',
  'hookIterator',
  'onResponseHookIterator',
  'onSendEnd',
  'wrapOnSendEnd',
  'handleResolve',
  'hookRunnerGenerator',
  'preHandlerCallback',
  'preValidationCallback',
  'runPreParsing',
  'routeHandler',
  'handleRequest',
  'onResponseCallback',
  'validationCompleted',
]);

function isIdle(frame: CallFrame): boolean {
  return frame.functionName === '(idle)' || frame.functionName === '(program)';
}

export interface ProfileShares {
  busySamples: number;
  sampleIntervalUs: number;
  /** Per matcher label: its share (0–1) of the busy samples, the rest of the request excluded. */
  shares: Record<string, number>;
  /** The functions with the most samples of their own, by share. */
  topSelf: { name: string; share: number }[];
}

/** Where a function is, as `name package-or-file:line`, for the self-time list. */
function placeOf(frame: CallFrame): string {
  const { url } = frame;
  const inModules = url.split('node_modules/')[1];
  const place =
    inModules !== undefined
      ? inModules
          .split('/')
          .slice(0, inModules.startsWith('@') ? 2 : 1)
          .join('/')
      : url === ''
        ? '(native)'
        : url.replace(/^.*\/(src|bench)\//, '$1/').replace(/^file:\/\//, '');
  return `${frame.functionName || '(anonymous)'} ${place}:${frame.lineNumber + 1}`;
}

/**
 * Shares of the busy samples taken between `fromUs` and `toUs` (the monotonic clock in µs, as
 * `process.hrtime` reads it: V8 stamps samples with the same clock on Linux).
 */
export function profileShares(
  file: string,
  matchers: FunctionMatcher[],
  window: { fromUs: number; toUs: number },
  topCount = 15,
): ProfileShares {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as RawProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const callers = new Map<number, ProfileNode>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) callers.set(child, node);

  const selfSamples = new Map<number, number>();
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index] ?? 0;
    if (time >= window.fromUs && time <= window.toUs) {
      selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
    }
  });

  let busySamples = 0;
  const selfByPlace = new Map<string, number>();
  for (const [id, count] of selfSamples) {
    const frame = (nodes.get(id) as ProfileNode).callFrame;
    if (isIdle(frame)) continue;
    busySamples += count;
    const place = placeOf(frame);
    selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + count);
  }

  const ownSamples = (node: ProfileNode): number => {
    let total = selfSamples.get(node.id) ?? 0;
    for (const childId of node.children ?? []) {
      const child = nodes.get(childId) as ProfileNode;
      const frame = child.callFrame;
      if (FASTIFY_CONTINUATIONS.has(frame.functionName) && frame.url.includes('/fastify/'))
        continue;
      total += ownSamples(child);
    }
    return total;
  };
  const shares: Record<string, number> = {};
  for (const matcher of matchers) {
    let samples = 0;
    for (const node of profile.nodes) {
      if (matcher.matches(node.callFrame, callers.get(node.id)?.callFrame))
        samples += ownSamples(node);
    }
    shares[matcher.label] = busySamples === 0 ? 0 : samples / busySamples;
  }

  const topSelf = [...selfByPlace]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topCount)
    .map(([name, count]) => ({ name, share: count / busySamples }));
  const sampleIntervalUs =
    (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  return { busySamples, sampleIntervalUs, shares, topSelf };
}
