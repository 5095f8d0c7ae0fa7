// Regenerates .oxlintrc.json: the layering of src/ (STYLE.md) as no-restricted-imports rules.
// Run: node scripts/gen-oxlintrc.mjs
import { writeFileSync } from 'node:fs';

/** What each folder of src/ may import (besides node:* and npm packages other than koffi). */
const allowed = {
  util: [],
  sys: ['util'],
  btf: ['util'], elf: ['util'], asm: ['util'], lang: ['util'], output: ['util'],
  types: ['util', 'btf', 'lang'],
  passes: ['util', 'btf', 'lang', 'types', 'output'],
  // codegen produces loader specs (CollectionSpec...): it imports their types only.
  codegen: ['util', 'btf', 'asm', 'lang', 'types', 'passes', 'output', 'loader'],
  kernel: ['util', 'sys', 'btf', 'elf', 'asm', 'types'],
  loader: ['util', 'sys', 'btf', 'asm', 'kernel'],
  attach: ['util', 'sys', 'elf', 'kernel', 'loader'],
  runtime: ['util', 'sys', 'btf', 'asm', 'lang', 'types', 'passes', 'codegen', 'kernel', 'loader', 'attach', 'output'],
  capture: ['util', 'sys', 'btf', 'asm', 'lang', 'types', 'passes', 'codegen', 'kernel', 'loader', 'attach', 'runtime', 'output'],
  strace: ['util', 'sys', 'btf', 'elf', 'asm', 'lang', 'types', 'passes', 'codegen', 'kernel', 'loader', 'attach', 'runtime', 'capture', 'output'],
};
const dirs = [...Object.keys(allowed), 'cli'];
const overrides = [];
for (const [d, ok] of Object.entries(allowed)) {
  const bad = dirs.filter((x) => x !== d && !ok.includes(x));
  overrides.push({
    files: [`src/${d}/**`],
    rules: { 'no-restricted-imports': ['error', {
      paths: d === 'sys' ? [] : [{ name: 'koffi', message: 'Only src/sys/ may use the FFI (STYLE.md).' }],
      patterns: [{ group: bad.map((b) => `../${b}/*`).concat(bad.map((b) => `../${b}`)), message: `src/${d} may import only: ${['node:*', ...ok].join(', ')} (layering in STYLE.md)` }],
    }] },
  });
}
overrides.push({ files: ['src/index.ts'], rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'koffi', message: 'Only src/sys/ may use the FFI.' }], patterns: [{ group: ['./cli/*'], message: 'nothing imports cli' }] }] } });
overrides.push({ files: ['test/**', 'examples/**', 'bench/**'], rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'koffi', message: 'Only src/sys/ may use the FFI.' }] }] } });
const cfg = {
  $schema: './node_modules/oxlint/configuration_schema.json',
  plugins: ['typescript', 'import', 'node'],
  categories: { correctness: 'error' },
  rules: { 'import/no-cycle': 'error', 'typescript/consistent-type-imports': 'error', 'import/no-default-export': 'error', 'no-unused-vars': 'error' },
  overrides,
};
writeFileSync(new URL('../.oxlintrc.json', import.meta.url), `${JSON.stringify(cfg, null, 2)}\n`);
