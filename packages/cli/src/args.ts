import { L2oError } from '@l2o/core';
import { parseArgs } from 'node:util';

/**
 * The command line, declared: every flag of a command is one row of its table (type, default, allowed values, help),
 * node's `util.parseArgs` reads the argument list against the table (`--flag value`, `--flag=value`, `-h`, `--`),
 * and the values are checked here from the same table. Unknown flags and bad values are usage errors that name the
 * flag and the allowed values; the help text is generated from the table.
 */
export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface FlagSpec {
  readonly type: FlagType;
  readonly help: string;
  readonly default?: string | number | boolean | readonly string[];
  /** Allowed values for strings (and list items). */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Values must be strictly greater than this (e.g. 0 for a learning rate). */
  readonly above?: number;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** An argument of a command that is not a flag (`l2o reproduce <experiment>`), in order. */
export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
}

export type FlagValue = string | number | boolean | string[] | undefined;

/** A mistake on the command line (exit code 2): an L2oError with code 'USAGE'. */
export class UsageError extends L2oError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
    this.name = 'UsageError';
  }
}

/** What {@link parseCommandLine} read: every flag of the table (its default where not given) and the positionals. */
export interface CommandLine {
  readonly flags: Record<string, FlagValue>;
  readonly positionals: string[];
}

/** Reads `argv` against the flag table `specs`; arguments that are not flags are refused. */
export function parseFlags(argv: readonly string[], specs: FlagSpecs): Record<string, FlagValue> {
  return parseCommandLine(argv, specs).flags;
}

/**
 * Reads `argv` against the flag table `specs` and up to `positionals.length` positional arguments, with
 * `util.parseArgs`. A boolean flag takes `--flag`, `--no-flag` or `--flag=true|false`; every other type takes a value
 * (`--flag value` or `--flag=value`, which may start with a dash: `--forget-bias -1`); a flag given twice keeps the
 * last value.
 */
export function parseCommandLine(
  argv: readonly string[],
  specs: FlagSpecs,
  positionals: readonly PositionalSpec[] = [],
): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  // Not strict: the messages below name the flag and the allowed values, and values may start with a dash.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const flags: Record<string, FlagValue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const d = spec.default;
    flags[name] = Array.isArray(d) ? [...(d as string[])] : (d as FlagValue);
  }
  const args: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (args.length >= positionals.length) {
        throw new UsageError(`unexpected argument "${token.value}" (flags start with --; see --help)`);
      }
      args.push(token.value);
      continue;
    }
    const raw = argv[token.index]!;
    if (!token.rawName.startsWith('--') && !(token.name in specs)) {
      throw new UsageError(`unexpected argument "${raw}" (flags start with --; see --help)`);
    }
    let name = token.name;
    let spec = specs[name];
    let negated = false;
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      negated = true;
      name = name.slice(3);
      spec = specs[name];
    }
    if (!spec) {
      throw new UsageError(
        `unknown flag --${name}; allowed flags: ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    }
    const value = token.value;
    if (spec.type === 'boolean') {
      if (value === undefined) flags[name] = !negated;
      else if (!negated && (value === 'true' || value === 'false')) flags[name] = value === 'true';
      else throw new UsageError(`--${name}: expected true or false, got "${value}"`);
      continue;
    }
    if (value === undefined) throw new UsageError(`--${name}: missing value (${spec.help})`);
    flags[name] = convert(name, spec, value);
  }
  return { flags, positionals: args };
}

/** Decimal numbers only: `Number()` alone would also take "0x2", "0b1", "1_0" or " 2 ". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const WHOLE = /^[+-]?\d+$/;

function convert(name: string, spec: FlagSpec, raw: string): FlagValue {
  const range = (n: number): number => {
    if (spec.min !== undefined && n < spec.min) throw new UsageError(`--${name}: must be ≥ ${spec.min}, got ${raw}`);
    if (spec.max !== undefined && n > spec.max) throw new UsageError(`--${name}: must be ≤ ${spec.max}, got ${raw}`);
    if (spec.above !== undefined && !(n > spec.above))
      throw new UsageError(`--${name}: must be > ${spec.above}, got ${raw}`);
    return n;
  };
  switch (spec.type) {
    case 'number': {
      const n = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(n))
        throw new UsageError(`--${name}: expected a decimal number, got "${raw}"`);
      return range(n);
    }
    case 'integer': {
      const n = Number(raw);
      if (!WHOLE.test(raw) || !Number.isSafeInteger(n))
        throw new UsageError(`--${name}: expected a whole number in decimal digits, got "${raw}"`);
      return range(n);
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (spec.choices) {
        for (const it of items) {
          if (!spec.choices.includes(it)) {
            throw new UsageError(`--${name}: unknown value "${it}"; allowed values: ${spec.choices.join(', ')}`);
          }
        }
      }
      return items;
    }
    default: {
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`--${name}: unknown value "${raw}"; allowed values: ${spec.choices.join(', ')}`);
      }
      return raw;
    }
  }
}

/** `--help` of a command, generated from its flag table (and its positional arguments). */
export function helpText(
  command: string,
  summary: string,
  specs: FlagSpecs,
  positionals: readonly PositionalSpec[] = [],
): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const kind = s.type === 'boolean' ? '' : ` <${s.type === 'list' ? 'a,b,…' : s.type}>`;
    const extra: string[] = [];
    if (s.choices) extra.push(`one of: ${s.choices.join(', ')}`);
    if (s.above !== undefined) extra.push(`> ${s.above}`);
    if (s.default !== undefined && s.default !== false) {
      extra.push(`default: ${Array.isArray(s.default) ? s.default.join(',') : String(s.default)}`);
    }
    return [`  --${name}${kind}`, `${s.help}${extra.length ? ` (${extra.join('; ')})` : ''}`];
  });
  const args = positionals.map((p) => [`  <${p.name}>`, p.help]);
  const w = Math.max(...[...rows, ...args].map((r) => r[0]!.length), 10) + 2;
  const table = (rs: string[][]): string => rs.map(([a, b]) => a!.padEnd(w) + b).join('\n');
  const usage = `Usage: l2o ${command}${positionals.map((p) => ` <${p.name}>`).join('')} [flags]`;
  return `${usage}\n\n${summary}\n\n${args.length > 0 ? `Arguments:\n${table(args)}\n\n` : ''}Flags:\n${table(rows)}\n`;
}

export function str(v: FlagValue): string {
  return String(v);
}
export function num(v: FlagValue): number {
  return Number(v);
}
export function list(v: FlagValue): string[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [String(v)];
}
