#!/usr/bin/env node
import { initEngine } from '@l2o/core';
import { parseBackend } from '@l2o/core/extend';
import {
  type FlagSpecs,
  type FlagValue,
  helpText,
  parseCommandLine,
  type PositionalSpec,
  str,
  UsageError,
} from './args.js';
import { BENCHMARK_FLAGS, runBenchmark } from './commands/benchmark.js';
import { COMPARE_FLAGS, runCompare } from './commands/compare.js';
import { EVAL_FLAGS, runEvaluate } from './commands/evaluate.js';
import { runInfo } from './commands/info.js';
import { QUICKSTART_FLAGS, runQuickstart } from './commands/quickstart.js';
import { TRAIN_FLAGS, runTrain } from './commands/train.js';
import { WORKER_FLAGS, runWorker } from './commands/worker.js';
import { REPRODUCE_EXPERIMENTS, REPRODUCE_FLAGS, runReproduce } from './commands/reproduce.js';
import { COMMON_FLAGS } from './registry.js';
import { EXIT, InterruptedError } from './errors.js';
import { CLI_VERSION } from './version.js';

interface Command {
  readonly summary: string;
  readonly flags: FlagSpecs;
  /** Arguments that are not flags, e.g. `l2o reproduce <experiment>`. */
  readonly positionals?: readonly PositionalSpec[];
  readonly run: (flags: Record<string, FlagValue>, positionals: readonly string[]) => Promise<unknown>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  quickstart: {
    summary:
      'Meta-train an LSTM optimizer on quadratics and compare it with tuned baselines (the main job, a few minutes).',
    flags: QUICKSTART_FLAGS,
    run: runQuickstart,
  },
  train: {
    summary: 'Meta-train a learned optimizer; checkpoints as it goes (--resume continues a killed run).',
    flags: TRAIN_FLAGS,
    run: runTrain,
  },
  worker: {
    summary:
      'Serve the meta-training tasks of `l2o train --workers URL` learners: l2o worker redis://host:port (until killed).',
    flags: WORKER_FLAGS,
    positionals: [{ name: 'redis-url', help: "the learner's Redis, e.g. redis://10.0.0.5:6379" }],
    run: (flags, [url]) => runWorker(url ?? '', flags),
  },
  eval: {
    summary: 'Run trained optimizers and baselines at given learning rates on the same fresh problems.',
    flags: EVAL_FLAGS,
    run: runEvaluate,
  },
  compare: {
    summary: "Tune the baselines' learning rates, run learned optimizers beside them; table + JSON + SVG.",
    flags: COMPARE_FLAGS,
    run: runCompare,
  },
  benchmark: {
    summary:
      'The held-out task suite: baselines tuned per task, learned optimizers untuned; report, SVG, JSON (resumes).',
    flags: BENCHMARK_FLAGS,
    run: runBenchmark,
  },
  reproduce: {
    summary: 'Reproduce a paper experiment end to end and write its report (l2o reproduce mnist).',
    flags: REPRODUCE_FLAGS,
    positionals: [
      { name: 'experiment', help: `the paper experiment to reproduce (one of: ${REPRODUCE_EXPERIMENTS.join(', ')})` },
    ],
    run: (flags, [experiment]) => {
      if (!experiment) throw new UsageError('reproduce: name the experiment, e.g. "l2o reproduce mnist"');
      return runReproduce(experiment, flags);
    },
  },
  info: { summary: 'Print the tensor backend in use, versions and cores.', flags: {}, run: async () => undefined },
};

function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return (
    `l2o — learned optimizers for TensorFlow.js\n\nUsage: l2o <command> [flags]   (l2o <command> --help for its flags)\n\nCommands:\n${Object.entries(
      COMMANDS,
    )
      .map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`)
      .join('\n')}\n\nEnvironment: L2O_BACKEND=node|wasm|cpu forces a backend (default: the fastest available).\n` +
    'Exit status: 0 done, 1 failed, 2 bad command line (or its --out folder is in use by another run), 130 interrupted.\n'
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${CLI_VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command "${name}"; allowed commands: ${Object.keys(COMMANDS).join(', ')}`);
  const specs = { ...cmd.flags, ...COMMON_FLAGS };
  const { flags, positionals } = parseCommandLine(rest, specs, cmd.positionals);
  if (flags['help']) {
    process.stdout.write(helpText(name, cmd.summary, specs, cmd.positionals));
    return 0;
  }
  let backend: ReturnType<typeof parseBackend>;
  try {
    backend = parseBackend(str(flags['backend']), '--backend');
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (name === 'info') {
    await runInfo(
      backend === 'auto' && process.env['L2O_BACKEND']
        ? parseBackend(process.env['L2O_BACKEND'], 'L2O_BACKEND')
        : backend,
    );
    return 0;
  }
  const info = await initEngine(backend === 'auto' ? undefined : backend);
  process.stderr.write(`backend: ${info.backend} (tfjs ${info.tfjsVersion}, ${info.cores} cores)\n`);
  await cmd.run(flags, positionals);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(err instanceof InterruptedError ? `l2o: ${msg}\n` : `l2o: error: ${msg}\n`);
    if (!(err instanceof UsageError) && process.env['L2O_DEBUG'] && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    process.exitCode =
      err instanceof UsageError ? EXIT.usage : err instanceof InterruptedError ? EXIT.interrupted : EXIT.failed;
  },
);
