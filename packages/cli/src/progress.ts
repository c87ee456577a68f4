/**
 * Progress for long work: a redrawn bar with ETA on a terminal, periodic plain lines elsewhere (CI, pipes).
 */
export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not on a terminal. Default 10. */
  readonly lineEverySeconds?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly start = performance.now();
  private lastLine = 0;
  private lastDraw = 0;
  private done = 0;
  private status = '';
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY) && process.env['CI'] === undefined;
  }

  update(done: number, status = this.status, etaSeconds?: number): void {
    this.done = done;
    this.status = status;
    const now = performance.now();
    const elapsed = (now - this.start) / 1000;
    const eta = etaSeconds ?? (done > 0 ? (elapsed / done) * (this.options.total - done) : Number.NaN);
    const pct = this.options.total > 0 ? Math.min(1, done / this.options.total) : 1;
    if (this.tty) {
      if (now - this.lastDraw < 100 && done < this.options.total) return;
      this.lastDraw = now;
      const width = 24;
      const fill = Math.round(pct * width);
      const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
      const line = `${this.options.label} ${bar} ${done}/${this.options.total} ${formatDuration(elapsed)} ETA ${formatDuration(eta)} ${status}`;
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    } else {
      const every = (this.options.lineEverySeconds ?? 10) * 1000;
      if (now - this.lastLine < every && done < this.options.total && done > 0) return;
      this.lastLine = now;
      this.stream.write(
        `${this.options.label}: ${done}/${this.options.total} (${Math.round(pct * 100)}%) elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)} ${status}\n`,
      );
    }
  }

  /** Prints a message above the bar. */
  log(message: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${message}\n`);
    else this.stream.write(`${message}\n`);
    if (this.tty) this.update(this.done);
  }

  finish(status?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.lastLine = 0;
    this.lastDraw = 0;
    this.update(this.options.total, status ?? this.status, 0);
    if (this.tty) this.stream.write('\n');
  }
}
