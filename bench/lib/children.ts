/**
 * Benchmark servers as child processes: every one is tracked and killed on the way out, whatever
 * the way out is (normal end, an exception, SIGINT/SIGTERM). A target prints its URL
 * (`http://127.0.0.1:<port>`) as a stdout line once it listens; everything else it prints on
 * stdout is swallowed, and its stderr is inherited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const TARGET_START_TIMEOUT_MS = 60_000;
const TARGET_STOP_TIMEOUT_MS = 8_000;

const children = new Set<ChildProcess>();

export interface Target {
  url: string;
  child: ChildProcess;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function killAllNow(): void {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
}

/**
 * Kills every child on exit, and on SIGINT/SIGTERM (then exits 130). `name` prefixes the message
 * (`bench:http`). `onSignal` runs first, synchronously (to remove temporary files, say).
 */
export function killChildrenOnExit(name: string, onSignal?: () => void): void {
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n${name}: ${signal}, killing servers`);
      killAllNow();
      try {
        onSignal?.();
      } finally {
        process.exit(130);
      }
    });
  }
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL if it has not exited within a few seconds. `name` prefixes messages. */
export async function stopChild(child: ChildProcess, name: string): Promise<void> {
  if (!isRunning(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, TARGET_STOP_TIMEOUT_MS)) return;
  console.error(`${name}: server pid ${child.pid} ignored SIGTERM, sending SIGKILL`);
  child.kill('SIGKILL');
  await waitForExit(child, 2_000);
}

export async function stopAll(name: string): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, name)));
}

/** This process's environment without any QUIRE_* setting, for a target given exactly its own. */
export function envWithoutQuireSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('QUIRE_')),
  );
}

export interface StartTargetOptions {
  /** What the target is called in error messages (`bare`, `full`, …). */
  name: string;
  /** The TypeScript entry point, run with `node --import tsx`. */
  entry: string;
  args: string[];
  cwd: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Node options before the entry (`--cpu-prof`, say). */
  nodeArgs?: string[];
  /** A command the child is run under (`taskset -c 1`, say). */
  launcher?: string[];
  startTimeoutMs?: number;
}

/** Spawns a target and resolves once it has printed its URL (rejects, and kills it, otherwise). */
export function startTarget(options: StartTargetOptions): Promise<Target> {
  const { name, entry, args, cwd, env, nodeArgs = [], launcher = [] } = options;
  const startTimeoutMs = options.startTimeoutMs ?? TARGET_START_TIMEOUT_MS;
  const command = [...launcher, process.execPath, ...nodeArgs, '--import', 'tsx', entry, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd,
    stdio: ['pipe', 'pipe', 'inherit'],
    ...(env === undefined ? {} : { env }),
  });
  children.add(child);
  child.once('exit', () => children.delete(child));

  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      if (isRunning(child)) child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`${name} server printed no URL within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (url === undefined) fail(new Error(`${name} server exited (${signal ?? code}) early`));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (url === undefined && /^http:\/\/127\.0\.0\.1:\d+$/.test(line.trim())) {
        url = line.trim();
        clearTimeout(timer);
        resolve({ url, child });
      }
      // Anything else the server prints on stdout (a bootstrap banner, say) is not echoed; its
      // diagnostics go to stderr, which is inherited.
    });
  });
}
