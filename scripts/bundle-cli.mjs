// Bundles the `siesta` command: dist/src/cli/main.js (tsc's output) and everything it imports, commander
// included, into one CommonJS file, dist/bundle/cli/main.cjs, which bin/siesta.cjs loads when it is up to date.
// Why one CommonJS file:
// - Node loads each ES module separately (resolve, read, compile, link): ~20 ms for siesta's ~60 modules.
// - Node 20 keeps no compiled code between runs, and only a CommonJS-style script can be handed V8's code
//   cache (vm.Script's cachedData): bin/siesta.cjs does that, which saves ~25 ms of compiling per start.
// - An ES module `import` of a Node built-in builds its ESM facade, which reads every export; for node:fs that
//   loads the whole streams stack (~10 ms) that a `require` never touches.
// Dynamic imports (`await import('./info.js')`) stay lazy: esbuild wraps those modules in functions run on first
// use. koffi stays external: it locates its native addon relative to its own files.
// Run: node scripts/bundle-cli.mjs (part of `npm run build` and of `prepare`, after tsc).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
// The same depth below the package root as dist/src/cli/, so `new URL('../../../package.json', import.meta.url)`
// in main.ts finds package.json from either place.
const outdir = `${root}dist/bundle/cli`;

/**
 * commander requires node:child_process at load time, for executable subcommands siesta does not have; that
 * module brings the net and stream stacks (~10 ms of every start). Give commander a stand-in that loads the
 * real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'siesta-lazy' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'siesta-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/src/cli/main.js`],
  outfile: `${outdir}/main.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  plugins: [lazyChildProcess],
  // import.meta does not exist in CommonJS: give the modules that ask for their URL the bundle's own.
  banner: { js: "const __siestaModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__siestaModuleUrl' },
  // Maps back to dist/src and, through tsc's own maps, to src/ (used with node --enable-source-maps).
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
