#!/usr/bin/env node
// Layer boundaries (docs/design.md, "Layers"): every workspace package carries one `layer:*` tag in its
// package.json's `nx.tags`, and depends only downwards — on packages of a lower layer. Within one layer a
// dependency must be one of the arrows listed below (a learned optimizer built on another); a test may also use
// a sibling of its own layer (a devDependency). Checked from both the package.json dependency fields and the
// `@l2o/*` imports of every source file (an import must also be declared: a test's in any field, other code's
// in dependencies or peerDependencies). `node tools/check-layers.mjs [--root <repo>]`; exit 1 on any problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The layers, lowest first: a package may depend on any layer before its own. */
export const LAYERS = ['core', 'plugin', 'benchmark', 'cli', 'app'];

/** The allowed arrows inside a layer (runtime dependencies), each with its reason. */
export const SAME_LAYER = {
  '@l2o/optimizer-lstm -> @l2o/baselines': 'the hand-designed base of the residual presets',
  '@l2o/optimizer-gac -> @l2o/optimizer-lstm': 'LSTM+GAC extends the coordinatewise LSTM',
  '@l2o/optimizer-ntm-bfgs -> @l2o/optimizer-lstm': 'the coordinatewise wrapper, LSTM parameters and config checks',
  '@l2o/optimizer-ntm-bfgs -> @l2o/optimizer-gac': 'its controller is an LSTM+GAC network',
};

const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const SOURCE = /\.(ts|mts|cts|mjs|cjs|js|tsx)$/;
const TEST = /(\.test\.|\/test-fixtures\/|test-support|test-fixtures)/;

function workspaceDirs(root) {
  const dirs = [];
  for (const parent of ['packages', 'examples']) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base).sort()) {
      if (existsSync(join(base, d, 'package.json'))) dirs.push(join(base, d));
    }
  }
  return dirs;
}

function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (SOURCE.test(e.name)) out.push(p);
    }
  };
  if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'));
  return out;
}

/** One message per violation of the layering in the repository at `root`. */
export function layerProblems(root) {
  const pkgs = new Map();
  const problems = [];
  for (const dir of workspaceDirs(root)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const where = relative(root, dir);
    const tags = (pkg.nx?.tags ?? []).filter((t) => t.startsWith('layer:'));
    if (tags.length !== 1 || !LAYERS.includes(tags[0].slice(6))) {
      problems.push(
        `${where}: package.json "nx.tags" must hold exactly one of ${LAYERS.map((l) => `layer:${l}`).join(', ')}, got ${JSON.stringify(pkg.nx?.tags ?? [])}`,
      );
      continue;
    }
    pkgs.set(pkg.name, { dir, where, pkg, rank: LAYERS.indexOf(tags[0].slice(6)), layer: tags[0] });
  }
  /** Why `from` may not depend on `to` (undefined when it may); `test` for a test-only use. */
  const refuse = (from, to, test) => {
    const a = pkgs.get(from);
    const b = pkgs.get(to);
    if (!b || from === to) return undefined;
    if (b.rank < a.rank) return undefined;
    if (b.rank === a.rank && (test || SAME_LAYER[`${from} -> ${to}`])) return undefined;
    return b.rank > a.rank
      ? `${from} (${a.layer}) must not depend on ${to} of the higher ${b.layer}`
      : `${from} must not depend on ${to} of its own ${a.layer} (not an allowed arrow in tools/check-layers.mjs)`;
  };
  for (const [name, { dir, where, pkg }] of pkgs) {
    for (const field of [...RUNTIME_FIELDS, 'devDependencies']) {
      for (const dep of Object.keys(pkg[field] ?? {})) {
        const why = refuse(name, dep, field === 'devDependencies');
        if (why) problems.push(`${where}/package.json ${field}: ${why}`);
      }
    }
    const runtime = new Set(RUNTIME_FIELDS.flatMap((f) => Object.keys(pkg[f] ?? {})));
    const any = new Set([...runtime, ...Object.keys(pkg.devDependencies ?? {})]);
    for (const file of sourceFiles(dir)) {
      const text = readFileSync(file, 'utf8');
      const test = TEST.test(relative(dir, file));
      const imported = new Set(
        [...text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"](@l2o\/[a-z0-9-]+)(?:\/[^'"]*)?['"]/g)].map(
          (m) => m[1],
        ),
      );
      for (const dep of imported) {
        if (!pkgs.has(dep) || dep === name) continue;
        const at = relative(root, file);
        const why = refuse(name, dep, test);
        if (why) problems.push(`${at}: ${why}`);
        else if (!(test ? any : runtime).has(dep)) {
          problems.push(
            `${at}: imports ${dep}, which ${name}'s package.json does not declare${test ? '' : ' in dependencies or peerDependencies'}`,
          );
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--root');
  const root = resolve(i >= 0 ? args[i + 1] : join(import.meta.dirname, '..'));
  const problems = layerProblems(root);
  for (const p of problems) console.log(`FAIL ${p}`);
  if (problems.length > 0) {
    console.log(`${problems.length} layer problem(s); the layers and allowed arrows are in docs/design.md ("Layers")`);
    process.exit(1);
  }
  console.log('ok   layer boundaries');
}
