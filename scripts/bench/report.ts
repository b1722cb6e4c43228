// The run's results as Markdown: printed, and for full runs written into
// docs/PERFORMANCE.md (document.ts).
import os from 'node:os';
import type { LoadResult } from './cannon.ts';
import type { InvariantResult } from './invariants.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import type { SeqScan, StatementStat } from './statements.ts';

export interface ScenarioResult {
  name: ScenarioName;
  /** Set when the scenario could not run here (and why); it is then not an error. */
  unavailable?: string;
  load?: LoadResult;
  sqlPerRequest?: number;
  logBytesPerRequest?: number;
  top?: StatementStat[];
  /** Every statement the scenario sent, normalised. */
  statements?: string[];
  /** CPU milliseconds each process spent per request sent (postgres: the whole server). */
  cpuMsPerRequest?: Record<string, number>;
  /** Length of the measured run. */
  seconds?: number;
  /** Cores the whole machine kept busy meanwhile: more than ours means something else ran too. */
  machineCores?: number;
}

export interface MemoryRow {
  process: string;
  idleMiB?: number | undefined;
  loadedMiB?: number | undefined;
  /** RSS floor at the end of that scenario's measured run less at its start (measure.ts, Growth). */
  grewMiB?: number | undefined;
  /** The same over the run's second half: about 0 once the process has levelled off. */
  grewLateMiB?: number | undefined;
  /** Which scenario "under load" means for this process. */
  during?: string | undefined;
}

export interface RunReport {
  when: Date;
  commit: string;
  settings: string;
  /** The settings in a few words, for the history table. */
  brief: string;
  machine: string;
  data: Record<string, number>;
  loadSeconds: number;
  scenarios: ScenarioResult[];
  memory: MemoryRow[];
  invariants: InvariantResult[];
  placed?: Record<string, number> | undefined;
  /** Statements the scenarios sent whose plan scans a large table whole. */
  seqScans: SeqScan[];
  warnings: string[];
  profile?: string | undefined;
}

export const fixed = (value: number | undefined, digits = 1) =>
  value === undefined ? '–' : value.toFixed(digits);
const signed = (mib: number | undefined) =>
  mib === undefined ? '–' : `${mib >= 0 ? '+' : ''}${fixed(mib, 0)}`;
export const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

export function find(report: RunReport, name: ScenarioName): LoadResult | undefined {
  return report.scenarios.find((s) => s.name === name)?.load;
}

/** The ratios docs/PERFORMANCE.md aims at; absolute numbers vary from machine to machine, these less. */
export function ratios(report: RunReport): Array<{ name: string; value?: number; aim?: number }> {
  const ratio = (a: ScenarioName, b: ScenarioName) => {
    const x = find(report, a)?.rps;
    const y = find(report, b)?.rps;
    return x !== undefined && y ? x / y : undefined;
  };
  return [
    {
      name: '(3p)/(4p) distinct pages: @apollo/gateway ÷ floor',
      value: ratio('dashboard-pages', 'dashboard-pages-floor'),
      aim: 1 / 3,
    },
    {
      name: '(3p)/(7p) distinct pages: @apollo/gateway ÷ Hive Gateway',
      value: ratio('dashboard-pages', 'dashboard-pages-hive'),
    },
    {
      name: '(3p)/(8p) distinct pages: @apollo/gateway ÷ Hive Gateway on the Hive Router runtime',
      value: ratio('dashboard-pages', 'dashboard-pages-hive-rust'),
      aim: 1,
    },
    {
      name: '(3)/(4) dashboard: @apollo/gateway ÷ floor',
      value: ratio('dashboard', 'dashboard-floor'),
      aim: 1 / 3,
    },
    {
      name: '(3b)/(4) dashboard, no subgraph fetch shared: @apollo/gateway ÷ floor',
      value: ratio('dashboard-nodedup', 'dashboard-floor'),
    },
    {
      name: '(3)/(7) dashboard: @apollo/gateway ÷ Hive Gateway',
      value: ratio('dashboard', 'dashboard-hive'),
    },
    {
      name: '(3)/(8) dashboard: @apollo/gateway ÷ Hive Gateway on the Hive Router runtime',
      value: ratio('dashboard', 'dashboard-hive-rust'),
    },
    {
      name: '(1)/(1f) REST read: inventory-service ÷ bare pg handler',
      value: ratio('inventory', 'inventory-floor'),
      aim: 1 / 2,
    },
    {
      name: '(5)/(5f) order placement: the services ÷ one transaction',
      value: ratio('orders', 'orders-floor'),
      aim: 1 / 3,
    },
  ];
}

function scenarioRow(s: ScenarioResult): string {
  const { label, title } = SCENARIOS[s.name];
  if (s.unavailable) return `| ${label} | ${title} | not available: ${s.unavailable} | | | | | |`;
  const l = s.load;
  if (!l) return `| ${label} | ${title} | did not run | | | | | |`;
  const errors = l.errors === 0 ? '0' : `**${l.errors}**`;
  return `| ${label} | ${title} | ${thousands(l.rps)} | ${fixed(l.p50, 0)} | ${fixed(l.p99, 0)} | ${fixed(s.sqlPerRequest)} | ${thousands(l.responses)} | ${errors} |`;
}

const CPU_COLUMNS = [
  'gateway',
  'gateway-nodedup',
  'crm-api',
  'inventory-service',
  'logistics-service',
  'order-service',
  'floor',
  'hive-gateway',
  'hive-gateway-nodedup',
  'hive-gateway-rust',
  'postgres',
  'load generator',
];

/** CPU ms per request by process: on shared cores, the process with the largest share is the bottleneck. */
function cpuTable(report: RunReport): string[] {
  const rows = report.scenarios.filter((s) => s.cpuMsPerRequest && s.load);
  const used = CPU_COLUMNS.filter((name) => rows.some((s) => (s.cpuMsPerRequest?.[name] ?? 0) >= 0.05));
  if (rows.length === 0) return [];
  const lines = [
    `CPU time per request, ms (user + system, from /proc; ${os.cpus().length} cores shared by every process):`,
    '',
    `| # | ${used.join(' | ')} | total | cores busy | machine busy |`,
    `| --- |${' ---: |'.repeat(used.length + 3)}`,
  ];
  for (const s of rows) {
    const cpu = s.cpuMsPerRequest ?? {};
    const total = Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
    const busy = ((total / 1000) * (s.load?.sent ?? 0)) / (s.seconds ?? 1);
    const cells = used.map((name) => fixed(cpu[name], cpu[name] !== undefined && cpu[name] < 10 ? 2 : 1));
    const machine = fixed(s.machineCores, 2);
    lines.push(
      `| ${SCENARIOS[s.name].label} | ${cells.join(' | ')} | ${fixed(total)} | ${fixed(busy, 2)} | ${machine} |`,
    );
  }
  return lines;
}

export function reportMarkdown(report: RunReport): string {
  const out = [
    `### ${report.when.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${report.commit}`,
    '',
    `${report.settings}. ${report.machine}.`,
    `Data: ${Object.entries(report.data)
      .map(([k, v]) => `${thousands(v)} ${k}`)
      .join(', ')}; loaded in ${report.loadSeconds.toFixed(1)} s.`,
    '',
    '| # | scenario | req/s | p50 ms | p99 ms | SQL/req | requests | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.scenarios.map(scenarioRow),
    '',
    ...cpuTable(report),
    '',
    '| ratio (req/s) | value | aim |',
    '| --- | ---: | ---: |',
    ...ratios(report).map(
      (r) =>
        `| ${r.name} | ${fixed(r.value, 2)} | ${r.aim ? `≥ ${r.aim.toFixed(2)}${r.value === undefined ? '' : r.value >= r.aim ? ' (met)' : ' (not yet)'}` : '–'} |`,
    ),
    '',
    '| process | RSS idle MiB | RSS under load MiB | change over that run MiB | over its second half MiB | load |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...report.memory.map(
      (m) =>
        `| ${m.process} | ${fixed(m.idleMiB, 0)} | ${fixed(m.loadedMiB, 0)} | ${signed(m.grewMiB)} | ${signed(m.grewLateMiB)} | ${m.during ?? '–'} |`,
    ),
    '',
    'Invariants (SQL, after the load):',
    ...report.invariants.map(
      (i) => `- ${i.broken === 0 ? 'holds' : `**BROKEN (${i.broken} rows)**`}: ${i.name}`,
    ),
  ];
  if (report.placed) {
    out.push(`- orders placed by the run, by status: ${JSON.stringify(report.placed)}`);
  }
  out.push(
    '',
    report.seqScans.length === 0
      ? 'Missing indexes: no statement the scenarios sent reads a table of over 5,000 rows end to end (EXPLAIN (GENERIC_PLAN) of each).'
      : 'Missing indexes? These statements read a large table end to end (EXPLAIN (GENERIC_PLAN); confirm with EXPLAIN ANALYZE):',
    ...report.seqScans.map(
      (scan) =>
        `- ${scan.table} (${thousands(scan.rows)} rows): \`${scan.query.replace(/\s+/g, ' ').slice(0, 200)}\``,
    ),
  );
  const logs = report.scenarios.filter((s) => (s.logBytesPerRequest ?? 0) > 0);
  if (logs.length > 0) {
    out.push(
      '',
      `Log volume: ${logs.map((s) => `${s.name} ${fixed(s.logBytesPerRequest, 0)} B/request`).join(', ')}.`,
    );
  }
  out.push('', '<details><summary>Heaviest SQL statements per scenario (by total time)</summary>', '');
  for (const s of report.scenarios.filter((x) => x.top?.length && x.load)) {
    out.push(`${s.name}:`, '', '| calls/req | mean ms | statement |', '| ---: | ---: | --- |');
    // Statements sent by fewer than 1 in 100 requests are background work, not the scenario's.
    const sent = Math.max(1, s.load?.sent ?? 1);
    for (const t of (s.top ?? []).filter((stat) => stat.calls / sent >= 0.01)) {
      const statement = t.query.replace(/\s+/g, ' ').slice(0, 160).replaceAll('|', '\\|');
      out.push(`| ${fixed(t.calls / sent, 2)} | ${fixed(t.meanMs, 2)} | \`${statement}\` |`);
    }
    out.push('');
  }
  out.push('</details>');
  if (report.warnings.length > 0) out.push('', ...report.warnings.map((w) => `> warning: ${w}`));
  if (report.profile) out.push('', report.profile);
  return out.join('\n');
}
