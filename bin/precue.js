#!/usr/bin/env node
// The `precue` command. Runs the compiled engine in dist/ (`npm run build`) when it is there and
// not older than the sources; otherwise the TypeScript sources through tsx (development: an edit
// after a build runs at once, without a word on stderr, where a failure must be one line).
// PRECUE_SOURCE=1 forces the sources; PRECUE_DIST=1 forces dist/ whatever the sources' times
// (benchmarks that must not change engines mid-run).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'engine', 'cli', 'main.js');
const stamp = join(root, 'dist', 'BUILD');

/** The newest modification time of the sources the build is made from (0 when they are not here). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|html|css)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'engine'));
  walk(join(root, 'console', 'web'));
  return newest;
}

let entry;
if (process.env.PRECUE_SOURCE !== '1' && existsSync(built) && existsSync(stamp)) {
  if (process.env.PRECUE_DIST === '1' || newestSource() <= statSync(stamp).mtimeMs) entry = pathToFileURL(built).href;
}
if (entry === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = pathToFileURL(join(root, 'engine', 'cli', 'main.ts')).href;
}
const { runCli } = await import(entry);
const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  exit: (c) => process.exit(c),
});
// Exit once the output is flushed, whatever a failed start may have left open: a command that has
// returned never keeps the process alive.
process.exitCode = code;
let pending = 2;
const done = () => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
