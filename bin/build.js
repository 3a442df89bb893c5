#!/usr/bin/env node
// `npm run build`: compiles the engine to plain JavaScript in dist/ (esbuild, one file per module,
// with source maps) and bundles the console page into dist/console/web/, so `precue` starts without
// tsx or esbuild at run time. Type checking stays with `npm run typecheck`. dist/ is never committed.
// `--out <dir>` builds elsewhere (the build test).
import { readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 && process.argv[outAt + 1] !== undefined ? resolve(process.argv[outAt + 1]) : join(root, 'dist');
const t0 = performance.now();

/** Every .ts module under a folder. */
function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return modules(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

// Only what this build makes: dist/ may hold other things (npm run package puts dist/package there).
for (const made of ['engine', 'console', 'BUILD']) rmSync(join(dist, made), { recursive: true, force: true });
const entryPoints = modules(join(root, 'engine'));
await build({
  entryPoints,
  outdir: join(dist, 'engine'),
  outbase: join(root, 'engine'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});

// The console page, bundled once here by the same code the engine runs from source.
const { writeConsolePage } = await import(join(dist, 'engine', 'io', 'server', 'page.js'));
const webOut = join(dist, 'console', 'web');
mkdirSync(webOut, { recursive: true });
await writeConsolePage(join(root, 'console', 'web'), webOut);

// What bin/precue.js compares with the sources' modification times.
writeFileSync(join(dist, 'BUILD'), `${new Date().toISOString()}\n`);
process.stdout.write(`precue build: ${entryPoints.length} modules and the console page into ${dist} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
