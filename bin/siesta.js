#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `siesta` command. `npm ci` (the package's `prepare` script) compiles the TypeScript sources
// to dist/src and bundles the command into dist/bundle/cli (scripts/bundle-cli.mjs), which starts ~20 ms
// faster than loading dist/src module by module. A bundle older than dist/src (after a bare `tsc`, which
// rewrites every output file) is ignored, so the command never runs stale code.
// The shebang caps V8's young-generation semi-spaces at 1 MiB (env -S, coreutils 8.30+): under 300k events/s
// their growth to the default 16 MiB cost ~8 MiB of peak RSS and bought no throughput. It applies when the file
// runs as a command (npx, PATH); `node bin/siesta.js` does not read it, and re-executing Node to add the flag
// would cost a second start-up (~100 ms); v8.setFlagsFromString is too late once the heap exists.
import { statSync } from 'node:fs';

const bundled = new URL('../dist/bundle/cli/main.js', import.meta.url);
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -1;
  }
}

const useBundle = mtime(bundled) >= 0 && mtime(bundled) >= mtime(compiled);
const { main } = await import((useBundle ? bundled : compiled).href);
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
