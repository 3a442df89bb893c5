#!/usr/bin/env node
// The `precue` command: loads the TypeScript engine through tsx (no build step) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../engine/cli/main.ts');
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
