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

  it('npm run package says what it will build, with the demo audio, and why the desk app is not built where Electron is missing', () => {
    const out = execFileSync(process.execPath, ['console/electron/package.mjs', '--dry-run'], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('demo audio: included (shows/demo/takes/demo/audio.wav)');
    expect(out).toMatch(/production modules: \d+ \(left out: electron, @tensorflow\/tfjs-node\)/);
    expect(out).toMatch(/engine packages: tar\.gz/);
    if (!haveElectronBinary()) expect(out).toMatch(/desk app: not built — Electron(’s|'s binary is missing| is not installed).*github\.com/);
    const config = readFileSync('electron-builder.yml', 'utf8');
    expect(config).toMatch(/maintainer: "[^"]+<[^>]+>"/); // a .deb needs one
    expect(config).not.toContain('audio.wav'); // the demo's audio ships
  });

  it('keeps dependencies where they are used: bench-only and build-only packages are dev dependencies', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.dependencies['dmx-ts']).toBeUndefined();
    expect(pkg.devDependencies['dmx-ts']).toBeDefined();
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    expect(pkg.scripts.package).toBe('node console/electron/package.mjs');
  });
});

function haveElectronBinary(): boolean {
  try {
    const p = execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return existsSync(p);
  } catch {
    return false;
  }
}
