// Reads a Dockerfile into stages and instructions, enough for the checks
// and the stage runner (image-build.ts) to follow what `docker build` does.

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

const FLAGGED = new Set(['RUN', 'COPY', 'ADD', 'HEALTHCHECK', 'FROM']);

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const directives: Record<string, string> = {};
  let index = 0;
  for (; index < lines.length; index++) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(lines[index] ?? '');
    if (!directive) break;
    directives[directive[1]!.toLowerCase()] = directive[2]!;
  }
  const stages: Stage[] = [];
  const globalArgs: Instruction[] = [];
  for (const instruction of instructionsOf(lines, index)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      globalArgs.push(instruction);
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const [base = '', as, name] = instruction.args.split(/\s+/);
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        base,
        instructions: [],
      });
    } else if (stages.length === 0) {
      throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { directives, globalArgs, stages };
}

function* instructionsOf(lines: string[], start: number): Generator<Instruction> {
  for (let index = start; index < lines.length; index++) {
    const first = lines[index]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const line = index + 1;
    let joined = first;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (joined.endsWith('\\') && index + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd();
      const next = lines[++index]!.trim();
      if (next.startsWith('#')) {
        joined += ' \\';
        continue;
      }
      joined = `${joined} ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/s.exec(joined)!;
    const keyword = match[1]!.toUpperCase();
    const { flags, rest } = FLAGGED.has(keyword) ? splitFlags(match[2]!) : { flags: {}, rest: match[2]! };
    yield { keyword, args: rest, flags, line, text: joined };
  }
}

export function splitFlags(args: string): { flags: Record<string, string[]>; rest: string } {
  const flags: Record<string, string[]> = {};
  let rest = args.trim();
  for (;;) {
    const flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!flag) break;
    const name = flag[1]!;
    flags[name] = [...(flags[name] ?? []), flag[2] ?? 'true'];
    rest = rest.slice(flag[0].length);
  }
  return { flags, rest };
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
