/**
 * `precue eval` as a person runs it: the demo model on the demo take (a take it was not trained on),
 * its table and verdicts on stdout, its progress on stderr, and the refusals a person can meet (a take
 * the model was trained on, a model of another cue policy).
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './captured.js';
import { EVAL_SCORES } from '../../engine/cli/commands/eval.js';
import { POLICY_VERSION } from '../../engine/core/policy/numbers.js';

const demo = resolve(import.meta.dirname, '../../shows/demo');

const evalCli = (...args: string[]): ReturnType<typeof runCaptured> => runCaptured(['eval', ...args]);

describe('precue eval', () => {
  it('scores the demo model on the demo take beside its ablations and baselines, and shows its progress', async () => {
    const r = await evalCli('--model', join(demo, 'model'), '--take', join(demo, 'takes/demo'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^1 take\\(s\\), [\\d.]+ min; all departments in auto \\(cue policy ${POLICY_VERSION}, fire threshold`));
    for (const row of ['model', 'followerOnly', 'networkOnly', 'rehearsalTiming', 'onlineAlignment']) expect(r.out).toMatch(new RegExp(`^  ${row} +[01]\\.\\d{3}`, 'm'));
    expect(r.out).toMatch(/^overall: /m);
    // Progress: listening, then each of the six scorings within the take, then the take done.
    const lines = r.err.split(/[\r\n]/).filter((l) => l !== '');
    expect(lines[0]).toMatch(/^precue eval: listened to 1\/1 take\(s\)/);
    EVAL_SCORES.forEach((_, k) => expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^precue eval: take 1/1, scored ${k + 1}/${EVAL_SCORES.length} \\(\\w+\\)`))));
    expect(lines.at(-1)).toMatch(/^precue eval: replayed 1\/1 take\(s\) through the pipeline/);
  }, 120_000);

  it('refuses a model of another cue policy with the command that retrains it', async () => {
    const old = mkdtempSync(join(tmpdir(), 'precue-eval-'));
    cpSync(join(demo, 'model'), old, { recursive: true });
    const metaFile = join(old, 'precue-model.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { policy: { version: number } };
    meta.policy.version = POLICY_VERSION - 1;
    writeFileSync(metaFile, JSON.stringify(meta));
    const r = await evalCli('--model', old, '--take', join(demo, 'takes/demo'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(new RegExp(`was made under cue policy version ${POLICY_VERSION - 1}.*Retrain it: precue train --takes`));
    expect(r.out).toBe('');
  });
});
