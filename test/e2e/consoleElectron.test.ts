/** The desk app typechecks where Electron (an optional dependency) is installed. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const haveElectron = existsSync(join(process.cwd(), 'node_modules', 'electron', 'electron.d.ts'));

describe('Precue Desk (console/electron)', () => {
  it.skipIf(!haveElectron)('typechecks against the installed Electron (skipped: node_modules/electron is absent)', () => {
    const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', 'console/electron/tsconfig.json', '--noEmit'], { stdio: 'pipe', timeout: 60_000 })).not.toThrow();
  });

  it('packages every file the app needs at run time', () => {
    const config = readFileSync('electron-builder.yml', 'utf8');
    for (const needed of ['console/electron/dist/**', 'console/electron/launcher.html', 'console/web/**', 'engine/**', 'bin/**', 'main: console/electron/dist/main.js']) {
      expect(config).toContain(needed);
    }
    for (const target of ['AppImage', 'deb', 'dmg', 'nsis']) expect(config).toContain(target);
    expect(readFileSync('console/electron/launcher.html', 'utf8')).toContain('src="dist/launcher.js"');
  });
});
