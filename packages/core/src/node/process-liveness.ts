import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who wrote a lock or a temporary file: enough to decide later whether that process is still running. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** Linux: the kernel's boot id, so a lock from before a reboot is known dead. */
  readonly bootId?: string;
  /** Linux: the process start time in clock ticks since boot, so a recycled pid is not taken for the writer. */
  readonly startTicks?: string;
}

function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
function startTicksOf(pid: number): string | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

let self: ProcessIdentity | undefined;

/** This process's identity. */
export function currentProcess(): ProcessIdentity {
  if (self === undefined) {
    const bootId = readProcFile('/proc/sys/kernel/random/boot_id');
    const startTicks = startTicksOf(process.pid);
    self = {
      pid: process.pid,
      host: hostname(),
      ...(bootId !== undefined ? { bootId } : {}),
      ...(startTicks !== undefined ? { startTicks } : {}),
    };
  }
  return self;
}

/** A short tag of a host name for file names: 8 hex digits of its SHA-256. */
export function hostTag(host: string = hostname()): string {
  return createHash('sha256').update(host).digest('hex').slice(0, 8);
}

/**
 * Whether the process `id` describes is still running: `'dead'` only when that is certain (same host, and the
 * pid is gone, or it now belongs to a process started at another time, or the machine has rebooted since);
 * `'unknown'` for another host; `'alive'` otherwise (including a pid this process cannot signal).
 */
export function processLiveness(id: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  const me = currentProcess();
  if (id.host !== me.host) return 'unknown';
  if (id.bootId !== undefined && me.bootId !== undefined && id.bootId !== me.bootId) return 'dead';
  if (!Number.isSafeInteger(id.pid) || id.pid <= 0) return 'unknown';
  try {
    process.kill(id.pid, 0);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ESRCH') return 'dead';
    if (code !== 'EPERM') return 'unknown';
  }
  if (id.startTicks !== undefined) {
    const now = id.pid === me.pid ? me.startTicks : startTicksOf(id.pid);
    if (now !== undefined && now !== id.startTicks) return 'dead';
  }
  return 'alive';
}
