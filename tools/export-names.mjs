#!/usr/bin/env node
// The names (values and types) a TypeScript entry file exports, as the compiler sees them: re-exports and
// `export *` followed. `node tools/export-names.mjs <file.ts>…` prints each file's count and names; tests import
// `exportNames` to keep a package's public surface small.
import { resolve } from 'node:path';
import ts from 'typescript';

/** The sorted exported names of each entry file, in the order given. */
export function exportNames(files) {
  const paths = files.map((f) => resolve(f));
  const program = ts.createProgram(paths, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@l2o/source'],
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  return paths.map((p) => {
    const sf = program.getSourceFile(p);
    if (!sf) throw new Error(`export-names: cannot read ${p}`);
    const symbol = checker.getSymbolAtLocation(sf);
    if (!symbol) return [];
    return checker
      .getExportsOfModule(symbol)
      .map((s) => s.name)
      .sort();
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const files = process.argv.slice(2);
  exportNames(files).forEach((names, i) => {
    console.log(`${files[i]}: ${names.length}`);
    console.log(`  ${names.join(' ')}`);
  });
}
