#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `siesta` command. `npm ci` (the package's `prepare` script) compiles the TypeScript sources
// to dist/src and bundles the command into one CommonJS file, dist/bundle/cli/main.cjs (scripts/bundle-cli.mjs).
// A bundle older than dist/src (after a bare `tsc`, which rewrites every output file) is ignored, so the command
// never runs stale code; dist/src is then loaded module by module, ~40 ms slower to start.
//
// Code cache: Node 20 compiles the bundle's ~0.9 MB of JavaScript afresh on every start (~25 ms). This file
// compiles it as a vm.Script with V8's code cache instead, written after the first successful run of each mode
// (script, trace, list, info: each compiles different functions) to dist/bundle/cli/cache/. V8 checks that a
// cache matches its own version and flags and refuses it otherwise; the file name also carries the bundle's
// size and mtime (a rebuilt bundle never meets an old cache) and Node's flags (each variant keeps its own).
// Any failure to read or write a cache only costs the time it would have saved.
//
// The shebang caps V8's young-generation semi-spaces at 1 MiB (env -S, coreutils 8.30+): under 300k events/s
// their growth to the default 16 MiB cost ~8 MiB of peak RSS and bought no throughput. It applies when the file
// runs as a command (npx, PATH); `node bin/siesta.cjs` does not read it, and re-executing Node to add the flag
// would cost a second start-up (~70 ms); v8.setFlagsFromString is too late once the heap exists.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const bundled = path.join(__dirname, '../dist/bundle/cli/main.cjs');
const compiled = path.join(__dirname, '../dist/src/cli/main.js');

function stat(file) {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Which part of the command runs: modes compile different functions, so each has its own cache. */
function modeOf(argv) {
  if (argv[0] === 'trace') return 'trace';
  if (argv.includes('--info')) return 'info';
  if (argv.some((a) => a === '-l' || a === '-lv' || a === '-vl')) return 'list';
  return 'script';
}

/** Loads the bundle through V8's code cache; returns its exports and a function that saves a missing cache. */
function loadBundle(st, argv) {
  const vm = require('node:vm');
  const { Module } = require('node:module');
  const dir = path.join(path.dirname(bundled), 'cache');
  const mode = modeOf(argv);
  const build = `${mode}-${st.size}-${Math.trunc(st.mtimeMs)}`;
  // V8 refuses a cache made under other flags: `node bin/siesta.cjs` (no shebang flags) keeps its own.
  const flags = process.execArgv.join(' ').replace(/[^\w=.-]+/g, '_') || 'noflags';
  const key = `${build}-${process.version}-${process.arch}-${flags}.bin`;
  const cacheFile = path.join(dir, key);
  let cachedData;
  try {
    // Compiled code runs as whoever runs siesta (root): trust only a cache this user wrote and nobody else can.
    const cst = fs.statSync(cacheFile);
    if (cst.uid === process.geteuid() && (cst.mode & 0o022) === 0) cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundled, 'utf8')), { filename: bundled, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundled), mod, bundled, path.dirname(bundled));
  const save = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    try {
      fs.mkdirSync(dir, { recursive: true });
      // Caches of earlier builds of this mode will not be used again.
      for (const f of fs.readdirSync(dir)) if (f.startsWith(`${mode}-`) && !f.startsWith(`${build}-`)) fs.rmSync(path.join(dir, f), { force: true });
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A read-only install: start-up just stays slower.
    }
  };
  return { main: mod.exports.main, save };
}

async function run() {
  const argv = process.argv.slice(2);
  const b = stat(bundled);
  const c = stat(compiled);
  if (b && (!c || b.mtimeMs >= c.mtimeMs)) {
    const { main, save } = loadBundle(b, argv);
    const code = await main(argv);
    if (code === 0) save();
    return code;
  }
  const { main } = await import(compiled);
  return main(argv);
}

run().then((code) => {
  process.exitCode = code;
});
