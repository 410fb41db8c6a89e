// CPU time and resident memory of another process, from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU seconds the process has used so far. */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are space-separated, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function statusMiB(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Resident set size now, in MiB. */
export function rssMiBOf(pid) {
  return statusMiB(pid, 'VmRSS');
}

/**
 * Samples a process' RSS every `intervalMs` from `start()` to `stop()`: the trough and the peak of the
 * GC sawtooth in between. The kernel's own high-water mark (VmHWM, reset at start through clear_refs when
 * allowed) catches a peak that falls between two samples.
 */
export class RssSampler {
  constructor(pid, intervalMs = 100) {
    this.pid = pid;
    this.intervalMs = intervalMs;
    this.samplesMiB = [];
    this.highWaterMarkReset = false;
  }

  start() {
    try {
      // "5" resets the peak resident set size (Documentation/filesystems/proc.rst).
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      this.highWaterMarkReset = true;
    } catch {
      this.highWaterMarkReset = false;
    }
    this.sample();
    // Sampling must never keep the driver alive.
    this.timer = setInterval(() => this.sample(), this.intervalMs).unref();
    return this;
  }

  /** Stops sampling; `{ troughMiB, peakMiB, samplesMiB }`. */
  stop() {
    clearInterval(this.timer);
    this.sample();
    let peakMiB = Math.max(...this.samplesMiB);
    if (this.highWaterMarkReset) {
      try {
        peakMiB = Math.max(peakMiB, statusMiB(this.pid, 'VmHWM'));
      } catch {
        // The process is gone; the samples stand.
      }
    }
    return { troughMiB: Math.min(...this.samplesMiB), peakMiB, samplesMiB: this.samplesMiB };
  }

  sample() {
    try {
      this.samplesMiB.push(rssMiBOf(this.pid));
    } catch {
      // The process is gone: the driver notices it exited and fails the run.
    }
  }
}
