#!/usr/bin/env node
// Entry point of the `siesta` command. The TypeScript sources are compiled to dist/ by `npm ci`
// (the package's `prepare` script), so the command starts without a TypeScript loader.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
