/**
 * Runs the examples of the package READMEs as a user would: every fenced block marked runnable (an
 * `<!-- example -->` line right before the fence, or an info string such as ```js example) is written to an
 * .mjs file inside packages/cli and run with plain `node`, so `@l2o/*` resolve through the workspace links to
 * their built `dist/` (not to sources: run the build first — `npm test` does).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES_DIR = resolve(CLI_DIR, '..');
/** Library packages: each README has at least one runnable example, and every code block in it runs. */
const BUILT_PACKAGES = [
  'core',
  'baselines',
  'optimizer-lstm',
  'optimizer-gac',
  'optimizer-ntm-bfgs',
  'optimizee-quadratic',
  'optimizee-mnist',
  'optimizee-cifar',
  'optimizee-synthetic',
  'optimizee-sequence',
  'report',
  'benchmark',
  'distributed',
] as const;
const README_PACKAGES = [...BUILT_PACKAGES, 'cli'] as const;
/** Other documents shipped in packages whose marked examples run too. */
const GUIDES = [{ pkg: 'core', file: 'docs/user-optimizees.md' }] as const;
/** Fence languages of code a reader would run: a README block in one of these must be a runnable example. */
const CODE_LANGS = ['js', 'javascript', 'mjs', 'ts', 'typescript'];
const EXAMPLE_TIMEOUT_MS = 120_000;
const RUNNABLE_LANGS = ['js', 'javascript', 'mjs'];
/** The commands the CLI README documents flag by flag. */
const CLI_COMMANDS = ['quickstart', 'train', 'eval', 'compare', 'benchmark', 'worker', 'info'] as const;

interface ReadmeExample {
  readonly lang: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
}

/**
 * The fenced code blocks of a markdown text marked as runnable: preceded by a line `<!-- example -->`, or with
 * `example` among the words of the fence's info string. Fences of three or more backticks or tildes.
 */
function extractExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split(/\r?\n/);
  const out: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const info = open[2]!
      .trim()
      .split(/\s+/)
      .filter((w) => w.length > 0);
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marked = info.includes('example') || (k >= 0 && /^<!--\s*example\s*-->$/.test(lines[k]!.trim()));
    if (marked) out.push({ lang: info[0] ?? '', line: i + 1, code: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return out;
}

/** stderr without blank lines and warnings (Node's `(node:123) …Warning`, the follow-up hint line, tfjs's warnings). */
function unexpectedStderr(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0)
    .filter((l) => !/warn/i.test(l) && !/^\(Use `node --trace-/.test(l));
}

function runNode(
  file: string,
  args: readonly string[] = [],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const env = { ...process.env };
    // Let the engine pick the backend the way a user's machine would; vitest's own env must not leak in.
    delete env['L2O_BACKEND'];
    delete env['NODE_OPTIONS'];
    const child = spawn(process.execPath, [file, ...args], {
      cwd: dirname(file),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXAMPLE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - start });
    });
  });
}

describe('extractExamples', () => {
  it('takes blocks marked by a comment or an info string, and nothing else', () => {
    const md = [
      '# t',
      '```js',
      'skipped();',
      '```',
      '<!-- example -->',
      '',
      '```js',
      'first();',
      '````', // a longer fence line is a valid close for a 3-backtick fence
      '```ts example',
      'second();',
      '```',
      '```sh',
      'l2o info',
      '```',
    ].join('\n');
    expect(extractExamples(md)).toEqual([
      { lang: 'js', line: 7, code: 'first();' },
      { lang: 'ts', line: 10, code: 'second();' },
    ]);
  });

  it('keeps an inner shorter fence inside a longer one', () => {
    const md = ['````js example', 'const s = `', '```', '`;', '````'].join('\n');
    expect(extractExamples(md)).toEqual([{ lang: 'js', line: 1, code: 'const s = `\n```\n`;' }]);
  });
});

describe('README examples', () => {
  let workDir = '';

  beforeAll(() => {
    const missing = BUILT_PACKAGES.filter((p) => !existsSync(join(PACKAGES_DIR, p, 'dist', 'index.js')));
    if (missing.length > 0) {
      throw new Error(
        `README examples run against the built packages; build first (npm run build). Missing dist/ in: ${missing.join(', ')}`,
      );
    }
    // Inside packages/cli so that node resolves @l2o/* and @tensorflow/* from the workspace's node_modules.
    // `.tmp/` is git-ignored.
    mkdirSync(join(CLI_DIR, '.tmp'), { recursive: true });
    workDir = mkdtempSync(join(CLI_DIR, '.tmp', 'readme-examples-'));
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    try {
      rmdirSync(join(CLI_DIR, '.tmp')); // only if empty
    } catch {
      // not empty or already gone
    }
  });

  const documents = [
    ...README_PACKAGES.map((pkg) => ({ pkg, file: 'README.md' })),
    ...GUIDES.map((g) => ({ pkg: g.pkg, file: g.file })),
  ];
  const examples = documents.flatMap(({ pkg, file }) => {
    const path = join(PACKAGES_DIR, pkg, file);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    return extractExamples(text).map((ex, i) => ({ pkg, file, index: i, ...ex }));
  });

  it('every library README has at least one runnable example; the CLI README shows its commands', () => {
    for (const pkg of README_PACKAGES) {
      const path = join(PACKAGES_DIR, pkg, 'README.md');
      expect(existsSync(path), `${path} is missing`).toBe(true);
    }
    for (const pkg of BUILT_PACKAGES) {
      expect(
        examples.filter((e) => e.pkg === pkg).length,
        `packages/${pkg}/README.md has no <!-- example --> block`,
      ).toBeGreaterThan(0);
    }
    const cli = readFileSync(join(PACKAGES_DIR, 'cli', 'README.md'), 'utf8');
    for (const cmd of CLI_COMMANDS) expect(cli).toContain(`l2o ${cmd}`);
  });

  it('every JS/TS code block of a package README is a runnable example (what a README shows, a test runs)', () => {
    for (const pkg of README_PACKAGES) {
      const text = readFileSync(join(PACKAGES_DIR, pkg, 'README.md'), 'utf8');
      const runnable = new Set(extractExamples(text).map((e) => e.line));
      const lines = text.split(/\r?\n/);
      let inFence = '';
      lines.forEach((l, i) => {
        const m = /^ {0,3}(`{3,}|~{3,})\s*(\S*)/.exec(l);
        if (!m) return;
        if (inFence) {
          if (m[1]!.startsWith(inFence) && m[2] === '') inFence = '';
          return;
        }
        inFence = m[1]!;
        if (CODE_LANGS.includes(m[2]!)) {
          expect(runnable.has(i + 1), `packages/${pkg}/README.md:${i + 1} shows ${m[2]} code that no test runs`).toBe(
            true,
          );
        }
      });
    }
  });

  it('the CLI README flag tables list exactly the flags the built `l2o` accepts', async () => {
    const bin = join(CLI_DIR, 'dist', 'bin.cjs');
    expect(existsSync(bin), `${bin} is missing; build first (npm run build)`).toBe(true);
    const accepted = new Set<string>();
    for (const cmd of CLI_COMMANDS) {
      const r = await runNode(bin, [cmd, '--help']);
      expect(r.code, `l2o ${cmd} --help exited with ${r.code}: ${r.stderr}`).toBe(0);
      const flags = [...r.stdout.matchAll(/^\s+--([a-z0-9-]+)/gm)].map((m) => m[1]!);
      expect(flags.length, `no flags parsed from l2o ${cmd} --help`).toBeGreaterThan(0);
      for (const f of flags) accepted.add(f);
    }
    // Documented in prose, not in the tables.
    const inProse = new Set(['backend', 'help']);
    const cli = readFileSync(join(PACKAGES_DIR, 'cli', 'README.md'), 'utf8');
    const documented = new Set([...cli.matchAll(/^\| `--([a-z0-9-]+)`/gm)].map((m) => m[1]!));
    const undocumented = [...accepted].filter((f) => !documented.has(f) && !inProse.has(f));
    const unknown = [...documented].filter((f) => !accepted.has(f));
    expect(undocumented, 'flags of l2o missing from the tables in packages/cli/README.md').toEqual([]);
    expect(unknown, 'flags in packages/cli/README.md that l2o does not accept').toEqual([]);
  });

  for (const ex of examples) {
    it(
      `packages/${ex.pkg}/${ex.file} example ${ex.index + 1} (line ${ex.line}) runs`,
      async () => {
        expect(
          RUNNABLE_LANGS,
          `example at line ${ex.line} is \`\`\`${ex.lang}; write examples in plain JS (\`\`\`js)`,
        ).toContain(ex.lang);
        const file = join(workDir, `${ex.pkg}-${ex.file.replace(/[/.]/g, '-')}-${ex.index + 1}.mjs`);
        writeFileSync(file, `${ex.code}\n`);
        const r = await runNode(file);
        const where = `packages/${ex.pkg}/${ex.file}:${ex.line}`;
        expect(r.signal, `${where} was killed after ${EXAMPLE_TIMEOUT_MS / 1000} s`).toBeNull();
        expect(r.code, `${where} exited with ${r.code}\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout}`).toBe(0);
        expect(unexpectedStderr(r.stderr), `${where} wrote to stderr`).toEqual([]);
      },
      EXAMPLE_TIMEOUT_MS + 10_000,
    );
  }
});
