/** Where a command writes, and how: JSON for scripts, progress only on a terminal. */
export interface Output {
  json: boolean;
  /** Progress bars: only when stderr is a terminal (and never with --json). */
  progress: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
}

export function processOutput(json: boolean): Output {
  return {
    json,
    progress: !json && process.stderr.isTTY === true && process.env.TERM !== 'dumb',
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}
