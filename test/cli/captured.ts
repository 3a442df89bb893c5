import { runCli } from '../../engine/cli/main.js';

/** Runs a `precue` command in process, as a person types it, with what it printed on each stream. */
export async function runCaptured(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), exit: () => undefined });
  return { code, out, err };
}
