import { describe, expect, it } from 'vitest';
import { type FlagSpecs, UsageError, helpText, parseCommandLine, parseFlags } from './args.js';

const SPECS: FlagSpecs = {
  lr: { type: 'number', help: 'learning rate', default: 0.1, above: 0 },
  'forget-bias': { type: 'number', help: 'forget-gate bias', default: 1 },
  epochs: { type: 'integer', help: 'epochs', default: 3, min: 1, max: 10 },
  mode: { type: 'string', help: 'mode', default: 'a', choices: ['a', 'b'] },
  hidden: { type: 'list', help: 'sizes', default: ['20', '20'] },
  tags: { type: 'list', help: 'tags', choices: ['x', 'y'] },
  resume: { type: 'boolean', help: 'resume' },
  help: { type: 'boolean', help: 'show this help (also -h)', short: 'h' },
};

function usage(argv: string[]): string {
  try {
    parseFlags(argv, SPECS);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('the flag parser (util.parseArgs against a declarative table)', () => {
  it('fills in the defaults and reads every form of a flag', () => {
    expect(parseFlags([], SPECS)).toEqual({
      lr: 0.1,
      'forget-bias': 1,
      epochs: 3,
      mode: 'a',
      hidden: ['20', '20'],
      tags: undefined,
      resume: undefined,
      help: undefined,
    });
    const f = parseFlags(
      ['--lr', '0.5', '--forget-bias', '-1', '--epochs=4', '--mode', 'b', '--hidden', '5, 6', '--resume', '-h'],
      SPECS,
    );
    expect(f).toMatchObject({ lr: 0.5, 'forget-bias': -1, epochs: 4, mode: 'b', hidden: ['5', '6'], resume: true });
    expect(f['help']).toBe(true);
    expect(parseFlags(['--resume', '--no-resume'], SPECS)['resume']).toBe(false);
    expect(parseFlags(['--resume=false'], SPECS)['resume']).toBe(false);
    expect(parseFlags(['--lr', '1', '--lr', '2'], SPECS)['lr']).toBe(2);
  });

  it('refuses bad values naming the flag and the allowed values', () => {
    expect(usage(['--mode', 'c'])).toBe('--mode: unknown value "c"; allowed values: a, b');
    expect(usage(['--tags', 'x,z'])).toBe('--tags: unknown value "z"; allowed values: x, y');
    expect(usage(['--lr', '0'])).toBe('--lr: must be > 0, got 0');
    expect(usage(['--lr', '0x2'])).toBe('--lr: expected a decimal number, got "0x2"');
    expect(usage(['--epochs', '1.5'])).toBe('--epochs: expected a whole number in decimal digits, got "1.5"');
    expect(usage(['--epochs', '11'])).toBe('--epochs: must be ≤ 10, got 11');
    expect(usage(['--epochs', '0'])).toBe('--epochs: must be ≥ 1, got 0');
    expect(usage(['--resume=maybe'])).toBe('--resume: expected true or false, got "maybe"');
    expect(usage(['--lr'])).toBe('--lr: missing value (learning rate)');
    expect(usage(['--nope'])).toMatch(/^unknown flag --nope; allowed flags: --lr, --forget-bias, .*--help$/);
    expect(usage(['--no-mode'])).toMatch(/^unknown flag --no-mode;/);
    expect(usage(['-x'])).toBe('unexpected argument "-x" (flags start with --; see --help)');
    expect(usage(['stray'])).toBe('unexpected argument "stray" (flags start with --; see --help)');
  });

  it('takes the positional arguments a command declares, anywhere among the flags', () => {
    const experiment = [{ name: 'experiment', help: 'which one' }];
    expect(parseCommandLine(['--lr', '2', 'mnist'], SPECS, experiment)).toMatchObject({
      flags: { lr: 2 },
      positionals: ['mnist'],
    });
    expect(parseCommandLine(['--', '--odd'], SPECS, experiment).positionals).toEqual(['--odd']);
    expect(() => parseCommandLine(['a', 'b'], SPECS, experiment)).toThrow('unexpected argument "b"');
  });

  it('generates the help from the table', () => {
    const h = helpText('demo', 'Does things.', SPECS, [{ name: 'experiment', help: 'which one' }]);
    expect(h).toMatch(
      /^Usage: l2o demo <experiment> \[flags\]\n\nDoes things\.\n\nArguments:\n {2}<experiment> +which one\n/,
    );
    expect(h).toContain('--mode <string>');
    expect(h).toContain('mode (one of: a, b; default: a)');
    expect(h).toContain('learning rate (> 0; default: 0.1)');
    expect(h).toContain('--hidden <a,b,…>');
  });
});
