/**
 * CPU time and resident memory of a process from /proc (Linux): what `top` would show, sampled the
 * same way for every peer a benchmark compares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), for /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process (all its threads) has used, or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid … utime(11) stime(12).
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/** User + system CPU seconds of each thread of the process, by thread id (empty once it is gone). */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / ticksPerSecond());
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Resident set size in MB (VmRSS), or NaN once the process is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? NaN : Number(m[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` and its CPU between `start` and `stop`. */
export class ProcessSampler {
  private readonly rss: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private cpu0 = 0;
  private wall0 = 0;
  private threads0 = new Map<number, number>();

  constructor(
    readonly pid: number,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.cpu0 = cpuSeconds(this.pid);
    this.threads0 = threadCpuSeconds(this.pid);
    this.wall0 = performance.now();
    this.rss.length = 0;
    this.timer = setInterval(() => this.rss.push(rssMb(this.pid)), this.everyMs);
    this.rss.push(rssMb(this.pid));
  }

  /**
   * CPU share of one core over the window (1 = a whole core), RSS mean and peak (MB), and the CPU split
   * by thread: the main thread, the busiest other thread, and the rest (threads that ended in the
   * window are in the total only).
   */
  stop(): { cpuCores: number; rssMeanMb: number; rssMaxMb: number; seconds: number; mainCores: number; busiestOtherCores: number } {
    if (this.timer !== undefined) clearInterval(this.timer);
    const seconds = (performance.now() - this.wall0) / 1000;
    const cpu = cpuSeconds(this.pid) - this.cpu0;
    const used = [...threadCpuSeconds(this.pid)].map(([tid, s]) => ({ tid, s: s - (this.threads0.get(tid) ?? 0) }));
    const main = used.find((t) => t.tid === this.pid)?.s ?? NaN;
    const busiestOther = Math.max(0, ...used.filter((t) => t.tid !== this.pid).map((t) => t.s));
    this.rss.push(rssMb(this.pid));
    const ok = this.rss.filter((x) => Number.isFinite(x));
    return {
      cpuCores: cpu / seconds,
      rssMeanMb: ok.reduce((a, b) => a + b, 0) / Math.max(1, ok.length),
      rssMaxMb: Math.max(...ok),
      seconds,
      mainCores: main / seconds,
      busiestOtherCores: busiestOther / seconds,
    };
  }
}

/** The machine's load, for the report header. */
export function loadLine(): string {
  const [a, b, c] = loadavg();
  return `load average ${a!.toFixed(2)} ${b!.toFixed(2)} ${c!.toFixed(2)} on ${availableParallelism()} cores`;
}
