// CPU time each process used, from /proc (Linux): on a machine where every
// process shares a few cores, the CPU a request costs in each process says
// more than its latency, and tells which process is the bottleneck.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux build that matters.
const TICKS_PER_SECOND = 100;

/**
 * User plus system CPU seconds of one process so far, with `reaped` also those
 * of its children that have exited (a backend that ends keeps counting); 0 where /proc has none.
 */
export function cpuSeconds(pid: number | undefined, reaped = false): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const own = (fields[11] ?? 0) + (fields[12] ?? 0);
    return (reaped ? own + (fields[13] ?? 0) + (fields[14] ?? 0) : own) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of a PostgreSQL server: the postmaster, its live children, and the ones that ended. */
export function postgresCpuSeconds(dataDir: string): number {
  const [postmaster, ...children] = postgresPids(dataDir);
  return cpuSeconds(postmaster, true) + children.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** The postmaster of a data folder and its children (backends, background workers). */
function postgresPids(dataDir: string): number[] {
  try {
    const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  } catch {
    return [];
  }
}

/** Busy CPU seconds of the whole machine so far, all cores (from /proc/stat). */
export function machineCpuSeconds(): number {
  try {
    const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .map(Number);
    // user nice system idle iowait irq softirq steal ...: all but idle and iowait are work.
    const busy = ticks.reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + (value || 0)), 0);
    return busy / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
