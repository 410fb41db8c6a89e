import { readFileSync } from 'node:fs';

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/**
 * A child process' resident memory from /proc/<pid>/status: sampled every `intervalMs` while it runs
 * (for the report) and its peak as the kernel counted it (VmHWM, which no sampling can miss).
 */
export class ProcessMemory {
  readonly samplesMiB: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  /** The highest resident set size so far, in MiB. */
  peakMiB(): number {
    return statusField(this.pid, 'VmHWM');
  }

  /** Stops sampling; returns the peak. Call before the process exits. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakMiB();
  }

  private sample(): void {
    try {
      this.samplesMiB.push(statusField(this.pid, 'VmRSS'));
    } catch {
      // The process is gone: nothing more to sample.
    }
  }
}
