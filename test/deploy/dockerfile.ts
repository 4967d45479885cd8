/**
 * The Dockerfile read as stages (no container engine runs here): each stage's base image with its
 * ARG defaults expanded, and its instructions as keyword + arguments, exec forms parsed from JSON.
 */
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { ROOT } from '../helpers/process.js';

export interface DockerInstruction {
  keyword: string;
  /** The flags and arguments, continuations joined. */
  text: string;
}

export interface DockerStage {
  name: string | undefined;
  /** The base image with `${ARG}`s replaced by their defaults. */
  image: string;
  instructions: DockerInstruction[];
}

function expand(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const value = args.get(braced ?? bare ?? '');
    if (value === undefined) throw new Error(`Dockerfile: ${whole} has no default`);
    return value;
  });
}

export function readDockerfile(path = `${ROOT}/Dockerfile`): DockerStage[] {
  const parsed = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const args = new Map<string, string>();
  for (const arg of parsed.getInitialARGs()) {
    const [name, value] = (arg.getArgumentsContent() ?? '').split('=', 2);
    if (name !== undefined && value !== undefined) args.set(name, value);
  }
  const stages: DockerStage[] = [];
  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    // toString() keeps the flags (`--from=…`) that getArgumentsContent() leaves out.
    const text = instruction.toString().slice(instruction.getInstruction().length).trim();
    if (keyword === 'FROM') {
      const [image = '', , name] = text.split(/\s+/);
      stages.push({ name, image: expand(image, args), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, text });
    }
  }
  return stages;
}

/** An exec-form instruction's argv (`["tini", "--", …]`); throws on the shell form. */
export function execForm(text: string): string[] {
  const start = text.indexOf('[');
  if (start < 0) throw new Error(`not an exec form: ${text}`);
  const parsed: unknown = JSON.parse(text.slice(start));
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string'))
    throw new Error(`not a JSON string array: ${text}`);
  return parsed as string[];
}

/** The environment the final stage's ENV instructions give every container of the image. */
export function imageEnvironment(stage: DockerStage): Record<string, string> {
  const pairs = stage.instructions
    .filter((entry) => entry.keyword === 'ENV')
    .flatMap((entry) => entry.text.split(/\s+/))
    .map((pair) => pair.split('=', 2) as [string, string | undefined])
    .filter((pair): pair is [string, string] => pair[1] !== undefined);
  return Object.fromEntries(pairs);
}
