/**
 * A small, strict command-line parser: every flag is declared with its type, default and help; unknown
 * flags and bad values are errors that name the flag and the allowed values.
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
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type FlagValue = string | number | boolean | string[] | undefined;

export class UsageError extends Error {}

export function parseFlags(argv: readonly string[], specs: FlagSpecs): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const d = spec.default;
    out[name] = Array.isArray(d) ? [...(d as string[])] : (d as FlagValue);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' && specs['help']?.type === 'boolean') {
      out['help'] = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (flags start with --; see --help)`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let negated = false;
    let spec = specs[name];
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
    if (spec.type === 'boolean') {
      if (value === undefined) out[name] = !negated;
      else if (value === 'true' || value === 'false') out[name] = value === 'true';
      else throw new UsageError(`--${name}: expected true or false, got "${value}"`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name}: missing value (${spec.help})`);
    }
    out[name] = convert(name, spec, value);
  }
  return out;
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

export function helpText(command: string, summary: string, specs: FlagSpecs): string {
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
  const w = Math.max(...rows.map((r) => r[0]!.length), 10) + 2;
  return `Usage: l2o ${command} [flags]\n\n${summary}\n\nFlags:\n${rows.map(([a, b]) => a!.padEnd(w) + b).join('\n')}\n`;
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
