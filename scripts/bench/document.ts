// The run written into docs/PERFORMANCE.md: the latest run and a history row
// replace what stands between their markers; the rest of the page is people's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { find, fixed, type RunReport, ratios, reportMarkdown, thousands } from './report.ts';
import type { ScenarioName } from './scenarios.ts';

const LATEST = ['<!-- bench:latest -->', '<!-- /bench:latest -->'] as const;
const HISTORY = ['<!-- bench:history -->', '<!-- /bench:history -->'] as const;
const HISTORY_RATIOS = ['(3)/(4)', '(3)/(7)', '(1)/(1f)'];
const HISTORY_HEAD = [
  '| date | commit | settings | (1) | (1f) | (2) | (3) | (4) | (7) | (5) | (3)/(4) | (3)/(7) | (1)/(1f) |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const SKELETON = `# Performance

\`npm run bench\` measures the system against its floor; see the sections below.

## Latest run

${LATEST[0]}
${LATEST[1]}

## History (req/s; one row per full run)

${HISTORY[0]}
${HISTORY_HEAD.join('\n')}
${HISTORY[1]}
`;

function historyRow(report: RunReport): string {
  const rps = (name: ScenarioName) => {
    const value = find(report, name)?.rps;
    return value === undefined ? '–' : thousands(value);
  };
  const names: ScenarioName[] = [
    'inventory',
    'inventory-floor',
    'customers',
    'dashboard',
    'dashboard-floor',
    'dashboard-hive',
    'orders',
  ];
  // req/s of a run that shared the machine are low; its row says so.
  const shared = report.warnings.some((warning) => warning.includes('other processes'));
  const brief = shared ? `${report.brief}, machine shared` : report.brief;
  // The history keeps the columns it started with; newer ratios are in the latest run only.
  const kept = ratios(report).filter((r) => HISTORY_RATIOS.some((prefix) => r.name.startsWith(prefix)));
  return `| ${report.when.toISOString().slice(0, 10)} | ${report.commit} | ${brief} | ${names.map(rps).join(' | ')} | ${kept
    .map((r) => fixed(r.value, 2))
    .join(' | ')} |`;
}

function between(
  text: string,
  [open, close]: readonly [string, string],
  replace: (inner: string) => string,
): string {
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) return `${text.trimEnd()}\n\n${open}\n${replace('')}\n${close}\n`;
  const inner = text.slice(start + open.length, end).trim();
  return `${text.slice(0, start + open.length)}\n${replace(inner)}\n${text.slice(end)}`;
}

/** Replaces the latest run and adds a row to the history in the document. */
export function writeDocument(file: string, report: RunReport): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : SKELETON;
  text = between(text, LATEST, () => reportMarkdown(report));
  text = between(text, HISTORY, (inner) => [inner || HISTORY_HEAD.join('\n'), historyRow(report)].join('\n'));
  writeFileSync(file, text);
}
