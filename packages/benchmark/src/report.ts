import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatNumber, formatTable } from '@l2o/report';
import { writeFileAtomic } from '@l2o/core/node';
import type { BenchmarkResult } from './benchmark.js';
import type { OptimizerTaskResult, TaskResult } from './results.js';
import { smallMultiplesSvg } from './small-multiples-svg.js';
import { encodeNumber } from './store.js';

export interface BenchmarkReportOptions {
  /** Heading of report.md and of the figure. */
  readonly title?: string;
  /** The command that produced the run, shown in the report. */
  readonly command?: string;
  /** Extra markdown placed after the summary. */
  readonly notes?: string;
}

const fmt = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined ? '—' : Number.isNaN(x) ? 'NaN' : formatNumber(x, digits);
const pct = (k: number, n: number): string => `${k} of ${n} (${n ? Math.round((100 * k) / n) : 0}%)`;
const times = (x: number | null): string => (x === null ? 'not reached' : `${formatNumber(x, 2)}×`);
const seconds = (x: number | null): string =>
  x === null ? '—' : x < 1 ? `${formatNumber(x * 1000, 3)} ms` : `${formatNumber(x, 3)} s`;

/** "mean ± std", or "diverged on k of R (median m)" when runs diverged. */
export function finalLossText(o: OptimizerTaskResult, runs: number): string {
  if (o.diverged > 0) {
    const med = Number.isFinite(o.medianFinal) ? ` (median ${fmt(o.medianFinal)})` : '';
    return `diverged on ${o.diverged} of ${runs}${med}`;
  }
  return `${fmt(o.meanFinal)} ± ${fmt(o.stdFinal, 2)}`;
}

function label(name: string): string {
  return { sgd: 'SGD', nag: 'NAG', rmsprop: 'RMSprop', adam: 'Adam' }[name] ?? name;
}

function get(t: TaskResult, name: string): OptimizerTaskResult {
  return t.optimizers.find((o) => o.name === name)!;
}

/** The markdown report of a benchmark result. */
export function benchmarkReportMarkdown(result: BenchmarkResult, options: BenchmarkReportOptions = {}): string {
  const { tasks, summary, settings } = result;
  const learned = settings.learned;
  const main = tasks.filter((t) => t.longRunOf === undefined);
  const long = tasks.filter((t) => t.longRunOf !== undefined);
  const kinds = [...new Set(main.map((t) => t.kind))];
  const splits = [...new Set(tasks.map((t) => t.split))];
  const md: string[] = [];
  md.push(`# ${options.title ?? 'l2o benchmark'}`, '');
  md.push(
    `${main.length} task${main.length === 1 ? '' : 's'} of the ${splits.join(' and ')} split (${kinds.length} kinds: ${kinds.join(', ')})` +
      `${long.length ? ` and ${long.length} long-run (stability) variant${long.length === 1 ? '' : 's'}` : ''}. ` +
      `Each baseline (${settings.baselines.map(label).join(', ')}) had its learning rate tuned per task; the learned ` +
      `optimizers ran untuned. Every optimizer saw the same problems, θ₀ and minibatches in each run.`,
  );
  if (options.command) md.push('', `Command: \`${options.command}\``);
  md.push('');
  if (learned.length > 0) {
    md.push('## Summary', '');
    md.push(
      formatTable(
        [
          'learned optimizer',
          'beats tuned Adam',
          'beats best tuned',
          'significant wins vs Adam',
          'IQM normalized loss',
          'median speed-up',
          'median wall-clock speed-up',
          'diverged runs',
          'long runs diverged',
        ],
        summary.learned.map((s) => [
          s.name,
          pct(s.winsVsTunedAdam, s.tasks),
          pct(s.winsVsBestTuned, s.tasks),
          String(s.significantWinsVsTunedAdam),
          fmt(s.iqmNormalizedLoss),
          `${fmt(s.medianSpeedUp, 2)}×`,
          `${fmt(s.medianWallClockSpeedUp, 2)}×`,
          s.divergedRuns === 0 ? '0' : `${s.divergedRuns} (${s.divergedTasks.length} tasks)`,
          `${s.longRunTasksDiverged} of ${s.longRunTasks}`,
        ]),
        'markdown',
      ),
      '',
    );
  }
  const counts = Object.entries(summary.bestTunedCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([n, k]) => `${label(n)} ${k}`)
    .join(', ');
  md.push(`Best tuned baseline per task (long runs excluded): ${counts}.`, '');
  if (options.notes) md.push(options.notes, '');

  md.push('## Tasks', '');
  md.push(
    'Final loss, mean over runs. Learned optimizers: normalized loss (their mean ÷ tuned Adam’s) and runs won ' +
      'against tuned Adam; **bold** where the mean beats tuned Adam, ★ where it also beats the best tuned baseline.',
    '',
  );
  md.push(
    formatTable(
      ['task', 'kind', 'steps', 'tuned Adam (lr)', 'best tuned (lr)', ...learned],
      tasks.map((t) => {
        const adam = get(t, 'adam');
        const best = get(t, t.bestBaseline);
        return [
          t.id,
          t.kind,
          String(t.steps),
          `${adam.diverged ? finalLossText(adam, t.runs) : fmt(adam.meanFinal)} (${fmt(adam.learningRate, 3)})`,
          `${label(best.name)} ${best.diverged ? finalLossText(best, t.runs) : fmt(best.meanFinal)} (${fmt(best.learningRate, 3)})`,
          ...learned.map((n) => {
            const o = get(t, n);
            if (o.diverged > 0) return finalLossText(o, t.runs);
            const text = `${fmt(o.normalizedLoss)} (${o.vsAdam?.wins ?? 0}/${t.runs})`;
            if (!o.vsAdam?.beats) return text;
            return `**${text}**${o.vsBest?.beats ? ' ★' : ''}`;
          }),
        ];
      }),
      'markdown',
    ),
    '',
  );

  md.push('![mean loss curves per task](curves.svg)', '');

  md.push('## Wall-clock', '');
  md.push(
    'Seconds per step (gradient and update, median over runs) and the time each optimizer takes to reach tuned ' +
      'Adam’s final loss (steps to reach it × seconds per step; — where it never does).',
    '',
  );
  const all = [...learned, ...settings.baselines];
  md.push(
    formatTable(
      ['task', ...all.map((n) => `${label(n)} s/step`), ...all.map((n) => `${label(n)} to Adam's final`)],
      tasks.map((t) => [
        t.id,
        ...all.map((n) => seconds(get(t, n).secondsPerStep)),
        ...all.map((n) => seconds(get(t, n).secondsToAdamFinal)),
      ]),
      'markdown',
    ),
    '',
  );

  md.push('## Per task', '');
  for (const t of tasks) {
    md.push(`### ${t.id}`, '');
    md.push(
      `${t.description}. ${t.steps} steps, ${t.runs} runs (seed ${t.seed}); baselines tuned on ${t.tuneProblems} ` +
        `other problems (seed ${t.tuneSeed}, validation data where the task has data).` +
        (t.longRunOf ? ` Long-run variant of ${t.longRunOf}.` : ''),
      '',
    );
    md.push(
      formatTable(
        [
          'optimizer',
          'lr',
          'final loss',
          'median',
          'runs won / lost vs tuned Adam (p)',
          'vs best tuned',
          'speed-up',
          'wall-clock speed-up',
          's/step',
        ],
        t.optimizers.map((o) => [
          label(o.name),
          o.learningRate === undefined ? 'untuned' : fmt(o.learningRate),
          finalLossText(o, t.runs),
          fmt(o.medianFinal),
          o.vsAdam ? `${o.vsAdam.wins} / ${o.vsAdam.losses} (${fmt(o.vsAdam.pValue, 2)})` : '—',
          o.vsBest ? `${o.vsBest.wins} / ${o.vsBest.losses}` : '—',
          times(o.speedUp),
          times(o.wallClockSpeedUp),
          seconds(o.secondsPerStep),
        ]),
        'markdown',
      ),
      '',
    );
  }

  md.push('## Tuning', '');
  md.push(
    'Best learning rate per baseline and task, with the range of rates tried (half-decades extended at an edge ' +
      'while the best rate sat there, then refined twice around the best; scored by the mean final loss over the ' +
      'tuning problems). ⚠ marks a best rate still at the edge of its grid.',
    '',
  );
  md.push(
    formatTable(
      ['task', ...settings.baselines.map(label)],
      tasks.map((t) => [
        t.id,
        ...settings.baselines.map((b) => {
          const r = t.tuning.find((x) => x.baseline === b);
          if (!r) return '—';
          const lrs = r.scores.map((s) => s.learningRate);
          return `${fmt(r.best)} [${fmt(Math.min(...lrs), 2)}…${fmt(Math.max(...lrs), 2)}, ${lrs.length}]${r.bestAtEdge ? ' ⚠' : ''}`;
        }),
      ]),
      'markdown',
    ),
    '',
  );

  md.push('## Definitions', '');
  md.push(
    [
      '- **Final loss**: f(θ) after the last step, on a fresh minibatch; mean ± population std over the runs.',
      `- **Diverged**: a run whose loss became non-finite or ended above ${settings.divergenceFactor}× its start. A diverged run makes a mean +∞, so a learned optimizer that diverges on a task loses it.`,
      '- **Beats**: the mean final loss is strictly lower. **Runs won**: runs where the final loss is strictly lower on the same problem; p is the two-sided sign test.',
      '- **Best tuned**: the tuned baseline with the lowest mean final loss on the reported runs (chosen after the fact, which favours the baselines).',
      '- **Normalized loss**: mean final loss ÷ tuned Adam’s. **IQM**: mean of the middle half over tasks (long runs excluded).',
      '- **Speed-up**: steps tuned Adam needs to reach its final loss ÷ steps the optimizer needs, on mean curves averaged over a trailing 5% window; “not reached” counts as 0 in medians. **Wall-clock speed-up**: the same in seconds.',
      '- **Long runs**: 10× the step budget of a test task; counted in divergences, not in win rates or IQM.',
    ].join('\n'),
    '',
  );
  return md.join('\n');
}

/**
 * JSON with numbers rounded to 6 significant digits and NaN and ±∞ written as strings (JSON has no such numbers);
 * indented by `indent` spaces (0: compact).
 */
export function toJson(value: unknown, indent = 2): string {
  const replacer = (_k: string, v: unknown): unknown => (typeof v === 'number' ? encodeNumber(v, 6) : v);
  return `${JSON.stringify(value, replacer, indent || undefined)}\n`;
}

/**
 * Writes report.md, curves.svg (one panel per task), result.json (everything) and summary.json (the summary) into
 * `outDir`, each atomically. Returns the paths.
 */
export function writeBenchmarkReport(
  outDir: string,
  result: BenchmarkResult,
  options: BenchmarkReportOptions = {},
): { report: string; svg: string; result: string; summary: string } {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const paths = {
    report: join(dir, 'report.md'),
    svg: join(dir, 'curves.svg'),
    result: join(dir, 'result.json'),
    summary: join(dir, 'summary.json'),
  };
  writeFileAtomic(
    paths.svg,
    smallMultiplesSvg(result.tasks, { title: options.title ?? 'l2o benchmark: mean loss per task' }),
  );
  writeFileAtomic(paths.result, toJson({ ...(options.command ? { command: options.command } : {}), ...result }, 0));
  writeFileAtomic(
    paths.summary,
    toJson({ ...(options.command ? { command: options.command } : {}), settings: result.settings, ...result.summary }),
  );
  writeFileAtomic(paths.report, `${benchmarkReportMarkdown(result, options)}\n`);
  return paths;
}
