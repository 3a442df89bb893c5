/**
 * `precue run` as a user starts it: every configuration or bind failure exits non-zero within 5 s with
 * one line saying what and where, and nothing is left running; a good start keeps the console token
 * of the show folder across restarts (so remote consoles stay logged in).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const config = mkdtempSync(join(tmpdir(), 'precue-startup-'));
afterAll(() => rmSync(config, { recursive: true, force: true }));

interface Run {
  code: number | null;
  ms: number;
  out: string;
  err: string;
}

/** Runs `precue …` to its end (or stops it with one SIGTERM once `until` shows on stdout). */
function precue(args: readonly string[], until?: RegExp, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['bin/precue.js', ...args], { cwd: root, env: { ...process.env, PRECUE_CONFIG_DIR: config, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let stopping = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until !== undefined && !stopping && until.test(out)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      done({ code, ms: performance.now() - started, out, err });
    });
  });
}

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

describe('precue run: failures to start are loud and quick', () => {
  const demo = ['run', 'shows/demo', '--no-journal', '--no-audio', '--no-model', '--osc-in-port', '0'];
  const cases: Array<[string, () => Promise<{ args: string[]; env?: Record<string, string>; cleanup?: () => void }>, number, RegExp]> = [
    ['a token that is too short', async () => ({ args: [...demo, '--port', '0'], env: { PRECUE_TOKEN_OPERATOR: 'short' } }), 2, /^precue: the operator token \(from \$PRECUE_TOKEN_OPERATOR\) is 5 characters; use at least 12\.$/],
    ['a token on the command line', async () => ({ args: [...demo, '--port', '0', '--token-operator', 'a-long-enough-token'] }), 2, /^precue run: --token-operator puts a secret on the command line, where every user's ps can read it; set \$PRECUE_TOKEN_OPERATOR or use --token-file\.$/],
    ['a port out of range', async () => ({ args: [...demo, '--port', '99999'] }), 2, /^precue run: --port must be a port number from 0 to 65535, got '99999'\.$/],
    ['a console port already in use', async () => {
      const held = await holdPort();
      return { args: [...demo, '--port', String(held.port)], cleanup: () => held.server.close() };
    }, 1, /^precue: console server 127\.0\.0\.1:\d+: the port is already in use — stop the other engine or pass --port <n>$/],
    ['a missing token file', async () => ({ args: [...demo, '--port', '0', '--token-file', join(config, 'nope.json')] }), 1, /^precue: \S+nope\.json: cannot read token file \(no such file\)/],
    ['a show folder that does not exist', async () => ({ args: ['run', 'shows/no-such-show', '--port', '0'] }), 1, /^precue: shows\/no-such-show\/show\.json: file not found/],
    ['a broken show file', async () => ({ args: ['run', 'test/shows/broken-json', '--port', '0'] }), 1, /^precue: test\/shows\/broken-json\/show\.json:\d+:\d+: /],
  ];
  for (const [what, make, code, line] of cases) {
    it(`${what}: exit ${code} within 5 s, one located line`, async () => {
      const { args, env, cleanup } = await make();
      try {
        const r = await precue(args, undefined, env);
        expect(r.code, r.err).toBe(code);
        expect(r.ms).toBeLessThan(5000);
        expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
        expect(r.err.trim()).toMatch(line);
        expect(r.out).toBe('');
      } finally {
        cleanup?.();
      }
    });
  }
});

describe('precue run: the console token is kept for the show', () => {
  it('starts with the token precue token shows for the show, and precue token --rotate replaces it', async () => {
    // (That an open page reconnects after a restart is driven in the browser: test/e2e/consoleSafety.)
    const run = await precue(['run', 'shows/demo', '--no-journal', '--no-audio', '--no-model', '--osc-in-port', '0', '--port', '0'], /stop with Ctrl-C/);
    expect(run.code, run.err).toBe(0);
    const token = /#token=(\S+)/.exec(run.out)?.[1] ?? `none in: ${run.out}${run.err}`;
    const shown = await precue(['token', 'shows/demo']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`operator ${token}`);
    const rotated = await precue(['token', 'shows/demo', '--rotate']);
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toMatch(/^operator +\S{32} /m);
    expect(rotated.out).not.toContain(token);
  });
});
