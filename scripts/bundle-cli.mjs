// Bundles the `siesta` command: dist/src/cli/main.js (tsc's output) and everything it imports, commander
// included, into a few ES modules under dist/bundle/cli/, which bin/siesta.js loads when they are up to date.
// Why: Node loads each ES module separately (resolve, read, compile, link); `siesta --info` touches ~60 of
// them plus commander's CommonJS files, which cost ~20 ms of its start-up here, more than everything it asks
// the kernel. Dynamic imports (`await import('./info.js')`) become chunks, so each mode still loads only what
// it runs. koffi stays external: it locates its native addon relative to its own files.
// Run: node scripts/bundle-cli.mjs (part of `npm run build` and of `prepare`, after tsc).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
// The same depth below the package root as dist/src/cli/, so `new URL('../../../package.json', import.meta.url)`
// in main.ts finds package.json from either place.
const outdir = `${root}dist/bundle/cli`;

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}dist/src/cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  // commander is CommonJS: its require('node:events') calls need a require() inside an ES module.
  banner: { js: "import { createRequire as __siestaCreateRequire } from 'node:module'; const require = __siestaCreateRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
  entryNames: '[name]',
  // Maps back to dist/src and, through tsc's own maps, to src/ (used with node --enable-source-maps).
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
