// Reads a Dockerfile into stages and instructions with dockerfile-ast (the
// parser of the Dockerfile language server), in the shape the checks and the
// stage runner (image-build.ts) use to follow what `docker build` does.
import {
  type Instruction as AstInstruction,
  DockerfileParser,
  type ModifiableInstruction,
} from 'dockerfile-ast';

export interface Instruction {
  /** Upper-case: FROM, RUN, COPY, ... */
  keyword: string;
  /** What follows the keyword and its flags, continuations joined. */
  args: string;
  /** `--name=value` flags before the arguments. */
  flags: Record<string, string[]>;
  line: number;
  /** The instruction as written (continuations joined), for cache keys and messages. */
  text: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Parser directives on the first lines, e.g. { syntax: 'docker/dockerfile:1' }. */
  directives: Record<string, string>;
  /** ARG lines before the first FROM: usable in FROM lines, and in a stage that declares them again. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const parsed = DockerfileParser.parse(text);
  const directives = Object.fromEntries(
    parsed.getDirectives().map((directive) => [directive.getName().toLowerCase(), directive.getValue()]),
  );
  const globalArgs = parsed.getInitialARGs().map(toInstruction);
  const stages = parsed.getFROMs().map((from, index): Stage => {
    const image = parsed.getContainingImage(from.getRange().start);
    return {
      name: from.getBuildStage() ?? String(index),
      base: from.getImage() ?? '',
      instructions: (image?.getInstructions() ?? []).filter((i) => i !== from).map(toInstruction),
    };
  });
  return { directives, globalArgs, stages };
}

function toInstruction(instruction: AstInstruction): Instruction {
  const flags: Record<string, string[]> = {};
  const flagged = instruction as Partial<ModifiableInstruction>;
  for (const flag of flagged.getFlags?.() ?? []) {
    flags[flag.getName()] = [...(flags[flag.getName()] ?? []), flag.getValue() ?? 'true'];
  }
  return {
    keyword: instruction.getKeyword(),
    args: instruction.getArgumentsContent() ?? '',
    flags,
    line: instruction.getRange().start.line + 1,
    text: instruction.getTextContent(),
  };
}

/** The JSON (exec) form of CMD, ENTRYPOINT or RUN, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return parsed;
}

/** ENV a=1 b="two words" (and the legacy ENV a 1). */
export function parseEnv(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...value] = args.split(/\s+/);
    return { [name]: value.join(' ') };
  }
  const env: Record<string, string> = {};
  for (const pair of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = pair[2]!;
    env[pair[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return env;
}

/** `type=cache,target=/root/.npm` as an object. */
export function mountOptions(spec: string): Record<string, string> {
  return Object.fromEntries(
    spec.split(',').map((part) => {
      const [key = '', value = 'true'] = part.split('=');
      return [key, value];
    }),
  );
}

/** The last stage: what `docker build` without --target produces. */
export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages.at(-1);
  if (!stage) throw new Error('a Dockerfile without a FROM');
  return stage;
}

/** `ARG NAME` or `ARG NAME=default`. */
export function parseArg(args: string): { name: string; value: string | undefined } {
  const [name = '', ...value] = args.split('=');
  return { name: name.trim(), value: value.length > 0 ? value.join('=') : undefined };
}

/** `$NAME` and `${NAME}` replaced as Docker does in COPY, ENV, EXPOSE, WORKDIR, USER and FROM. */
export function substitute(text: string, values: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
    return values[braced ?? bare] ?? '';
  });
}
