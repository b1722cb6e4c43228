// Summaries of `node --cpu-prof` profiles: where each process spent its CPU
// during a window of the run (the dashboard scenario), by function and by package.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  process: string;
  /** Time the main thread was not idle in the window, in ms (waiting for a core included). */
  busyMs: number;
  /** That time as a share of the window. */
  busyShare: number;
  frames: Array<{ name: string; share: number }>;
  packages: Array<{ name: string; share: number }>;
}

/** Where a script lives, shortened: a package name, node's internals, or a path in the repository. */
function owner(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = file.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? file);
  }
  return path.relative(root, file).split(path.sep).slice(0, 2).join('/');
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  const { functionName, url, lineNumber } = frame;
  if (!url) return functionName || '(anonymous)';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = file.lastIndexOf('/node_modules/');
  const short = modules >= 0 ? file.slice(modules + '/node_modules/'.length) : path.relative(root, file);
  return `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
}

/** Window bounds are process.hrtime microseconds: the same monotonic clock V8 stamps samples with. */
export function summariseProfile(
  processName: string,
  file: string,
  root: string,
  window?: { startUs: number; endUs: number },
  top = 12,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let busyUs = 0;
  let time = profile.startTime;
  const start = window?.startUs ?? Number.NEGATIVE_INFINITY;
  const end = window?.endUs ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    const node = byId.get(profile.samples[i] ?? -1);
    if (!node || time < start || time > end || node.callFrame.functionName === '(idle)') continue;
    // A sample stands for the time until the next one.
    const weight = profile.timeDeltas[i + 1] ?? delta;
    busyUs += weight;
    const frame = frameName(node.callFrame, root);
    frames.set(frame, (frames.get(frame) ?? 0) + weight);
    const pkg = owner(node.callFrame.url, node.callFrame.functionName, root);
    packages.set(pkg, (packages.get(pkg) ?? 0) + weight);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, share: busyUs > 0 ? us / busyUs : 0 }));
  const spanUs = window ? window.endUs - window.startUs : time - profile.startTime;
  return {
    process: processName,
    busyMs: busyUs / 1000,
    busyShare: spanUs > 0 ? busyUs / spanUs : 0,
    frames: ranked(frames),
    packages: ranked(packages),
  };
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

export function profileMarkdown(summaries: ProfileSummary[], windowLabel: string): string {
  const lines = [
    `CPU profiles (node --cpu-prof), samples during ${windowLabel}; shares of each process's non-idle samples (self time).`,
    '',
  ];
  for (const s of summaries) {
    lines.push(
      `**${s.process}**: main thread not idle for ${pct(s.busyShare)} of the window (waiting for a core included)`,
      '',
    );
    lines.push('| self time | package |', '| ---: | --- |');
    for (const p of s.packages) lines.push(`| ${pct(p.share)} | ${p.name} |`);
    lines.push('', '| self time | function |', '| ---: | --- |');
    for (const f of s.frames) lines.push(`| ${pct(f.share)} | \`${f.name.replaceAll('|', '\\|')}\` |`);
    lines.push('');
  }
  return lines.join('\n');
}
