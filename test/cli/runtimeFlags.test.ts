/** The engine's Node flags live in engine/runtimeFlags.ts; the places that start it without importing it say the same. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineNodeFlags } from '../../console/electron/engineProcess.js';
import { ENGINE_NODE_FLAGS } from '../../engine/runtimeFlags.js';

describe('the engine runtime flags', () => {
  it('are on the precue command\'s first line and in npm start', () => {
    const shebang = readFileSync('bin/precue.js', 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${ENGINE_NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${ENGINE_NODE_FLAGS.join(' ')} bin/precue.js run shows/demo`);
  });

  it('reach the engine the desk app starts (read from the command\'s first line) and the packaged command (which runs that line)', () => {
    expect(engineNodeFlags('bin/precue.js')).toEqual([...ENGINE_NODE_FLAGS]);
    expect(readFileSync('console/electron/package.mjs', 'utf8')).toContain(`exec /opt/precue/bin/precue.js "$@"`);
  });
});
