#!/usr/bin/env node
// API reports: one per public entry of every published package (its main entry and each subpath such as
// `/extend`, `/node`, `/testing`), made by API Extractor from the built `.d.ts` and committed as
// `packages/<dir>/api/<dir>[-<subpath>].api.md`. `npm run api:check` fails when a report differs from the
// committed one (the public surface changed: review it, then `npm run api:update`), or when docs/api is not the
// reference generated from them; `api:update` rewrites both. docs/api is API Documenter's markdown from every
// entry's model; a subpath's pages are named `<package>-<subpath>` (a model's name must be a package name) and
// relabelled `<package>/<subpath>` afterwards. Build first (`npm run build`): the reports read `dist/`.
// `node tools/api-report.mjs [--update] [dir…]` limits the reports to some packages (and skips docs/api).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

/** The public entries of a package: [subpath name ('' for the main entry), path of its ESM .d.ts]. */
function entriesOf(pkg) {
  return Object.entries(pkg.exports ?? {})
    .filter(([k]) => k !== './package.json')
    .map(([k, v]) => {
      const types = v.import?.types ?? v.node?.import?.types;
      if (typeof types !== 'string') throw new Error(`${pkg.name}: exports["${k}"] has no import.types`);
      return [k === '.' ? '' : k.slice(2), types];
    });
}

/** Runs API Extractor on one entry: its report (into packages/<dir>/api) and/or its doc model (into `model`). */
function extract(pkgDir, pkg, entry, { name, modelName, report, model, temp }) {
  const config = ExtractorConfig.prepare({
    // Nothing is read from this path: the object below is the whole configuration.
    configObjectFullPath: join(pkgDir, 'api-extractor.json'),
    packageJsonFullPath: join(pkgDir, 'package.json'),
    packageJson: { ...pkg, name: modelName },
    configObject: {
      projectFolder: pkgDir,
      mainEntryPointFilePath: entry,
      bundledPackages: [],
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: true,
            types: ['node'],
            lib: ['ES2022', 'DOM'],
          },
          files: [entry],
        },
      },
      apiReport: { enabled: report, reportFileName: name, reportFolder: join(pkgDir, 'api'), reportTempFolder: temp },
      docModel: { enabled: model !== undefined, apiJsonFilePath: model ?? join(temp, 'unused.api.json') },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        // Forgotten exports (a type of this entry's API exported only by another entry) are noted in the report.
        extractorMessageReporting: {
          default: { logLevel: 'none', addToApiReportFile: true },
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
      },
    },
  });
  return Extractor.invoke(config, {
    localBuild: update,
    messageCallback: (m) => {
      // The report's own "not copied"/"copied"/"created" notices name a temporary folder; this script says it.
      const own = /^console-api-report-(not-copied|copied|created|diff)$/.test(m.messageId);
      if (!own && (m.logLevel === 'warning' || m.logLevel === 'error')) console.log(`     ${m.text}`);
      m.handled = true;
    },
  });
}

const work = mkdtempSync(join(tmpdir(), 'l2o-api-'));
const jsonDir = join(work, 'json');
mkdirSync(jsonDir);
const changed = [];
const relabel = [];
let failed = 0;
try {
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkgDir = join(root, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (pkg.private || (only.length > 0 && !only.includes(dir))) continue;
    mkdirSync(join(pkgDir, 'api'), { recursive: true });
    for (const [sub, types] of entriesOf(pkg)) {
      const entry = join(pkgDir, types);
      const name = sub === '' ? dir : `${dir}-${sub}`;
      const label = sub === '' ? pkg.name : `${pkg.name}/${sub}`;
      if (!existsSync(entry)) {
        failed++;
        console.log(`FAIL ${label}: ${types} is missing; build first (npm run build)`);
        continue;
      }
      const temp = join(work, 'temp', name);
      const model = join(jsonDir, `${name}.api.json`);
      const result = extract(pkgDir, pkg, entry, {
        name,
        modelName: pkg.name,
        report: true,
        model: sub === '' ? model : undefined,
        temp,
      });
      if (sub !== '') {
        const modelName = `${pkg.name}-${sub}`;
        relabel.push([modelName, label]);
        extract(pkgDir, pkg, entry, { name, modelName, report: false, model, temp: `${temp}-model` });
      }
      const file = `packages/${dir}/api/${name}.api.md`;
      if (result.errorCount > 0) {
        failed++;
        console.log(`FAIL ${label}: API Extractor reported ${result.errorCount} error(s)`);
      } else if (result.apiReportChanged) {
        changed.push(file);
        console.log(update ? `upd  ${label}: ${file}` : `FAIL ${label}: ${file} differs from the built API`);
      } else {
        console.log(`ok   ${label}`);
      }
    }
  }
  if (only.length === 0 && failed === 0) {
    const out = join(work, 'docs-api');
    execFileSync(join(root, 'node_modules', '.bin', 'api-documenter'), ['markdown', '-i', jsonDir, '-o', out], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (const f of readdirSync(out)) {
      let text = readFileSync(join(out, f), 'utf8');
      for (const [from, to] of relabel) text = text.replaceAll(from, to);
      writeFileSync(join(out, f), text);
    }
    const target = join(root, 'docs', 'api');
    if (update) {
      rmSync(target, { recursive: true, force: true });
      execFileSync('cp', ['-r', out, target]);
      console.log('upd  docs/api');
    } else {
      try {
        execFileSync('diff', ['-r', '-q', out, target], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
        console.log('ok   docs/api');
      } catch (e) {
        changed.push('docs/api');
        console.log(`FAIL docs/api is not the reference generated from the built packages\n${e.stdout ?? ''}`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed > 0 || (!update && changed.length > 0)) {
  if (!update && changed.length > 0) {
    console.log(
      `\nThe public API changed (${changed.join(', ')}). If that is intended, run \`npm run api:update\` and commit the result.`,
    );
  }
  process.exit(1);
}
