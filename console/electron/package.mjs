#!/usr/bin/env node
// `npm run package`: builds what this machine can build, and says plainly what it cannot.
//
//  1. The engine, always: the app folder staged with its production dependencies (bin/, engine/,
//     console/web/, fixtures/, shows/ with the demo's audio and model), as
//     precue-engine-<version>-linux-<arch>.tar.gz and, where dpkg-deb exists, precue_<version>_<arch>.deb
//     (installs /opt/precue and /usr/bin/precue; needs Node 20.19+). The console runs in any browser.
//     Each package is then unpacked and run (`precue validate` on the demo show) before it is kept.
//  2. Precue Desk (Electron AppImage and .deb, electron-builder.yml) where Electron's binary is
//     installed; else the reason, once. electron-builder runs on the staged copy, so its rebuild of
//     native modules for Electron never touches this checkout's node_modules.
//
// Options: --out <dir> (default dist/package), --dry-run (list what would be packaged, build nothing).
// Exit status: 0 when the engine packages were built and checked; 1 when they could not be.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const outArg = args.indexOf('--out');
const out = resolve(root, outArg >= 0 && args[outArg + 1] !== undefined ? args[outArg + 1] : 'dist/package');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arch = { x64: 'amd64', arm64: 'arm64', arm: 'armhf' }[process.arch] ?? process.arch;
const say = (line) => process.stdout.write(`${line}\n`);

/** What the app needs at run time (the same list electron-builder.yml packages for the desk). */
const APP_FILES = ['package.json', 'package-lock.json', 'README.md', 'bin', 'engine', 'console/web', 'fixtures', 'shows', 'show.schema.json', 'venue.schema.json'];
/** Production dependencies that cannot work in a package built here (their binaries are downloaded at install). */
const LEFT_OUT = ['electron', '@tensorflow/tfjs-node'];

function productionModules() {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(join(root, 'node_modules')))
    .map((l) => relative(root, l))
    .filter((p) => !LEFT_OUT.some((x) => p === `node_modules/${x}` || p.startsWith(`node_modules/${x}/`)));
}

function electronBinary() {
  try {
    const p = createRequire(join(root, 'package.json'))('electron');
    return typeof p === 'string' && existsSync(p) ? { path: p } : { reason: 'the electron package is installed without its binary' };
  } catch (err) {
    const first = String(err instanceof Error ? err.message : err).split('\n')[0];
    return {
      reason: /Cannot find module/.test(first)
        ? "Electron is not installed: it is an optional dependency whose install downloads its binary from github.com, and that download failed or was skipped on this machine"
        : `Electron's binary is missing (${first}); its install downloads it from github.com, which failed or was skipped here`,
    };
  }
}

function stage(dir) {
  for (const f of APP_FILES) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing from the checkout`);
    cpSync(join(root, f), join(dir, f), { recursive: true, filter: (src) => !/\/model\.bak(\/|$)|\/\.tmp/.test(src.slice(root.length)) });
  }
  // The compiled engine (npm run build): bin/precue.js runs it rather than the sources through tsx.
  execFileSync(process.execPath, [join(root, 'bin', 'build.js'), '--out', join(dir, 'dist')], { stdio: 'inherit' });
  // Only the top level of each production module: nested node_modules come with their parent.
  const modules = productionModules();
  for (const m of modules) if (!modules.some((o) => o !== m && m.startsWith(`${o}/`))) cpSync(join(root, m), join(dir, m), { recursive: true, dereference: true });
  const staged = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const x of LEFT_OUT) delete staged.optionalDependencies?.[x];
  delete staged.devDependencies;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  return modules.length;
}

/** Unpacks a package and runs its engine on the demo show: a package that cannot start is not kept. */
function check(label, appDir) {
  const r = spawnSync(process.execPath, [join(appDir, 'bin', 'precue.js'), 'validate', join(appDir, 'shows', 'demo')], { cwd: appDir, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${label}: the packaged engine does not start (${(r.stderr || r.stdout).trim().split('\n').pop()})`);
  if (!existsSync(join(appDir, 'shows', 'demo', 'takes', 'demo', 'audio.wav'))) throw new Error(`${label}: the demo audio is missing`);
}

function debControl(installedKb) {
  return [
    'Package: precue',
    `Version: ${pkg.version}`,
    'Section: sound',
    'Priority: optional',
    `Architecture: ${arch}`,
    'Depends: nodejs (>= 20.19)',
    'Recommends: libasound2',
    `Installed-Size: ${installedKb}`,
    `Maintainer: ${readFileSync(join(root, 'electron-builder.yml'), 'utf8').match(/maintainer:\s*"?([^"\n]+)"?/)?.[1] ?? 'Precue contributors'}`,
    `Description: ${pkg.description}`,
    ' The headless Precue engine and its console (served to any browser).',
    ' Run the demo with: precue run /opt/precue/shows/demo',
    '',
  ].join('\n');
}

const built = [];
const notBuilt = [];
const electron = electronBinary();

if (dryRun) {
  say(`precue package (dry run), version ${pkg.version}, linux ${arch}`);
  say(`engine files: ${APP_FILES.join(', ')}`);
  say(`demo audio: ${existsSync(join(root, 'shows/demo/takes/demo/audio.wav')) ? 'included (shows/demo/takes/demo/audio.wav)' : 'MISSING'}`);
  say(`production modules: ${productionModules().length} (left out: ${LEFT_OUT.join(', ')})`);
  say(`engine packages: tar.gz${spawnSync('dpkg-deb', ['--version']).error === undefined ? ' and .deb' : ' (no dpkg-deb here: no .deb)'}`);
  say(`desk app: ${electron.path !== undefined ? `would build with Electron at ${electron.path}` : `not built — ${electron.reason}`}`);
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'precue-package-'));
try {
  const app = join(work, 'opt', 'precue');
  mkdirSync(app, { recursive: true });
  const n = stage(app);
  say(`staged the engine with ${n} production modules (left out, they download binaries at install: ${LEFT_OUT.join(', ')})`);

  const tgz = join(out, `precue-engine-${pkg.version}-linux-${arch}.tar.gz`);
  execFileSync('tar', ['-czf', tgz, '-C', join(work, 'opt'), 'precue']);
  const tgzCheck = mkdtempSync(join(tmpdir(), 'precue-tgz-'));
  execFileSync('tar', ['-xzf', tgz, '-C', tgzCheck]);
  check('tar.gz', join(tgzCheck, 'precue'));
  rmSync(tgzCheck, { recursive: true, force: true });
  built.push(relative(root, tgz));

  if (spawnSync('dpkg-deb', ['--version']).error === undefined) {
    mkdirSync(join(work, 'usr', 'bin'), { recursive: true });
    // Run through bin/precue.js's own first line, which carries the engine's Node flags (engine/runtimeFlags.ts).
    chmodSync(join(app, 'bin', 'precue.js'), 0o755);
    writeFileSync(join(work, 'usr', 'bin', 'precue'), '#!/bin/sh\nexec /opt/precue/bin/precue.js "$@"\n');
    chmodSync(join(work, 'usr', 'bin', 'precue'), 0o755);
    mkdirSync(join(work, 'DEBIAN'));
    const kb = Number(execFileSync('du', ['-sk', join(work, 'opt')], { encoding: 'utf8' }).split('\t')[0]);
    writeFileSync(join(work, 'DEBIAN', 'control'), debControl(kb));
    const deb = join(out, `precue_${pkg.version}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', work, deb], { stdio: 'pipe' });
    rmSync(join(work, 'DEBIAN'), { recursive: true, force: true });
    const debCheck = mkdtempSync(join(tmpdir(), 'precue-deb-'));
    execFileSync('dpkg-deb', ['-x', deb, debCheck]);
    check('.deb', join(debCheck, 'opt', 'precue'));
    rmSync(debCheck, { recursive: true, force: true });
    built.push(relative(root, deb));
  } else notBuilt.push('engine .deb: dpkg-deb is not installed (apt-get install dpkg)');

  if (electron.path !== undefined) {
    // The desk app: its code, then electron-builder over the staged copy with the installed Electron.
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'console/electron/tsconfig.json')], { stdio: 'inherit' });
    cpSync(join(root, 'console/electron/dist'), join(app, 'console/electron/dist'), { recursive: true });
    for (const f of ['launcher.html', 'launcher.css']) cpSync(join(root, 'console/electron', f), join(app, 'console/electron', f));
    const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-builder/cli.js'), '--config', join(root, 'electron-builder.yml'), '--projectDir', app, '--linux', 'AppImage', 'deb', `-c.electronDist=${dirname(electron.path)}`, `-c.directories.output=${join(out, 'desk')}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === 0) built.push(`${relative(root, join(out, 'desk'))}/ (Precue Desk AppImage and .deb)`);
    else {
      const why = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => /⨯|ENOTFOUND|Error/.test(l))?.trim() ?? 'see its output';
      notBuilt.push(`Precue Desk (AppImage, .deb): electron-builder failed: ${why}${/ENOTFOUND|getaddrinfo/.test(why) ? ' — it downloads its packaging tools (appimagetool, fpm) from github.com, which this machine cannot reach' : ''}`);
    }
  } else {
    notBuilt.push(`Precue Desk (Electron AppImage, .deb): ${electron.reason}. The engine packages run the same console in any browser: precue run <show> prints its URL.`);
  }
} catch (err) {
  say(`precue package: FAILED — ${err instanceof Error ? err.message : String(err)}`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
say('');
for (const b of built) say(`built      ${b}`);
for (const b of notBuilt) say(`not built  ${b}`);
