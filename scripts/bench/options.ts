// The benchmark's command line: `npm run bench -- [--short] [--duration 10]
// [--only dashboard,inventory] [--skip orders] [--connections 32] ...`.
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.ts';

export interface BenchOptions {
  short: boolean;
  /** Seconds of measured load per scenario. */
  duration: number;
  /** Seconds of unmeasured load before each scenario (JIT, pools, caches). */
  warmup: number;
  /** Concurrent connections for the read scenarios; the orders scenario always uses 32. */
  connections: number;
  scenarios: ScenarioName[];
  logLevel: string;
  /** DB_POOL_SIZE of every service, the gateway and the floor. */
  poolSize: number;
  /** Write node --cpu-prof profiles of the gateway and subgraphs and summarise them. */
  profile: boolean;
  /** Update docs/PERFORMANCE.md (default: on for full runs, off for --short). */
  write: boolean;
}

const USAGE = `npm run bench -- [options]
  --short               quick look (3 s per scenario, 1 s warm-up, no *-nodedup variants);
                        does not write docs/PERFORMANCE.md
  --duration <s>        measured seconds per scenario (default 20, short 3)
  --warmup <s>          unmeasured seconds before each scenario (default 3, short 1)
  --connections <n>     concurrent connections for reads (default 32)
  --only <a,b>          scenarios or groups: ${SCENARIO_NAMES.join(', ')}
                        (a group selects its variants: "dashboard-pages" is the distinct pages through
                        the gateway, the floor, Hive Gateway and Hive Gateway on the Hive Router runtime)
  --skip <a,b>          scenarios to leave out
  --log-level <level>   LOG_LEVEL of the services (default warn)
  --pool-size <n>       DB_POOL_SIZE of every process (default 10)
  --profile             CPU-profile the gateway and subgraphs; summary in the output
The peer gateways (Hive Gateway, the Hive Router runtime) are installed into
scripts/bench/peers on first use (npm ci there), not by the root install.
  --write / --no-write  update docs/PERFORMANCE.md or not`;

/** Scenario names a list selects: exact names, or every `<group>-*` of a group. */
function select(list: string): ScenarioName[] {
  const tokens = list
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  const unknown = tokens.filter(
    (token) => !SCENARIO_NAMES.some((name) => name === token || name.startsWith(`${token}-`)),
  );
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  return SCENARIO_NAMES.filter((name) =>
    tokens.some((token) => name === token || name.startsWith(`${token}-`)),
  );
}

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`${flag} must be a positive number\n${USAGE}`);
  return number;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      'pool-size': { type: 'string' },
      profile: { type: 'boolean', default: false },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const short = values.short;
  const skipped = values.skip ? select(values.skip) : [];
  // The second peer process is for a full run's comparison; a quick look leaves it out.
  const chosen = values.only
    ? select(values.only)
    : SCENARIO_NAMES.filter((name) => !(short && name.endsWith('-nodedup')));
  return {
    short,
    duration: positive(values.duration, short ? 3 : 20, '--duration'),
    warmup: values.warmup === '0' ? 0 : positive(values.warmup, short ? 1 : 3, '--warmup'),
    connections: Math.round(positive(values.connections, 32, '--connections')),
    scenarios: chosen.filter((name) => !skipped.includes(name)),
    logLevel: values['log-level'],
    poolSize: Math.round(positive(values['pool-size'], 10, '--pool-size')),
    profile: values.profile,
    write: values['no-write'] ? false : (values.write ?? !short),
  };
}
