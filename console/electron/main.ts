/**
 * Precue Desk: the Electron launcher. It starts a local engine for a chosen show (or connects to a
 * remote one) and shows the same console page a browser shows, with a menu, full screen, and a guard
 * against closing mid-show. The engine never knows Electron exists.
 *
 *   precue-desk                       launcher window
 *   precue-desk --show shows/demo     run that show locally
 *   precue-desk --connect <url>       a remote engine's console URL (with #token=…)
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, powerSaveBlocker, shell, type MenuItemConstructorOptions } from 'electron';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalEngine, type LocalEngine } from './engineProcess.js';

const here = dirname(fileURLToPath(import.meta.url)); // console/electron/dist
const electronDir = resolve(here, '..');
const appRoot = resolve(electronDir, '..', '..');

let win: BrowserWindow | null = null;
let engine: LocalEngine | null = null;
/** The console URL the window shows, or null on the launcher. */
let consoleUrl: string | null = null;
let blocker: number | null = null;
let quitting = false;

// ---------- recent shows and URLs ----------

interface Recent { shows: string[]; urls: string[] }
const recentFile = (): string => join(app.getPath('userData'), 'recent.json');

function readRecent(): Recent {
  try {
    const json = JSON.parse(readFileSync(recentFile(), 'utf8')) as Partial<Recent>;
    return { shows: Array.isArray(json.shows) ? json.shows.slice(0, 8) : [], urls: Array.isArray(json.urls) ? json.urls.slice(0, 8) : [] };
  } catch {
    return { shows: [], urls: [] };
  }
}

function remember(kind: keyof Recent, value: string): void {
  const r = readRecent();
  // Tokens stay out of the recent list: only the address is kept.
  const clean = kind === 'urls' ? value.replace(/[#?].*$/, '') : value;
  r[kind] = [clean, ...r[kind].filter((v) => v !== clean)].slice(0, 8);
  mkdirSync(dirname(recentFile()), { recursive: true });
  writeFileSync(recentFile(), JSON.stringify(r, null, 2));
}

// ---------- the window ----------

function showLauncher(): void {
  consoleUrl = null;
  void win?.loadFile(join(electronDir, 'launcher.html'));
  win?.setTitle('Precue Desk');
}

function showConsole(url: string, title: string): void {
  consoleUrl = url;
  void win?.loadURL(url);
  win?.setTitle(`Precue Desk — ${title}`);
  if (blocker === null) blocker = powerSaveBlocker.start('prevent-display-sleep');
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1600,
    height: 900,
    backgroundColor: '#07090c',
    title: 'Precue Desk',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // The console page is the engine's own page: no popups, no navigation elsewhere, no permissions.
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  w.webContents.on('will-navigate', (event, url) => {
    if (consoleUrl !== null && new URL(url).origin !== new URL(consoleUrl).origin) event.preventDefault();
  });
  w.webContents.session.setPermissionRequestHandler((_wc, _permission, done) => done(false));
  w.on('close', (event) => {
    if (quitting || !showRunning()) return;
    const choice = dialog.showMessageBoxSync(w, {
      type: 'warning',
      buttons: ['Keep running', engine !== null ? 'Stop the show and close' : 'Disconnect and close'],
      defaultId: 0,
      cancelId: 0,
      title: 'A show is running',
      message: engine !== null ? `The show ${engine.show} is running on this machine.` : 'This desk is connected to a running show.',
      detail: engine !== null ? 'Closing stops the local engine; the outputs hold their last look.' : 'The engine keeps running; you can reconnect later.',
    });
    if (choice === 0) event.preventDefault();
    else quitting = true;
  });
  return w;
}

function showRunning(): boolean {
  return (engine !== null && engine.running()) || consoleUrl !== null;
}

// ---------- actions ----------

async function stopEngine(): Promise<void> {
  const e = engine;
  engine = null;
  if (e !== null) await e.stop();
  if (blocker !== null) { powerSaveBlocker.stop(blocker); blocker = null; }
}

async function startShow(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, 'show.json'))) return `${dir} has no show.json: pick a show folder.`;
  if (showRunning() && win !== null) {
    const c = dialog.showMessageBoxSync(win, { type: 'warning', buttons: ['Cancel', 'Switch show'], defaultId: 0, cancelId: 0, message: 'A show is running. Stop it and start another?' });
    if (c === 0) return null;
  }
  await stopEngine();
  try {
    const logDir = app.getPath('logs');
    mkdirSync(logDir, { recursive: true });
    engine = await startLocalEngine(appRoot, dir, logDir);
  } catch (err) {
    return `Could not start the engine: ${err instanceof Error ? err.message : String(err)}`;
  }
  const e = engine;
  e.child.once('exit', (code) => {
    if (engine !== e || quitting) return;
    engine = null;
    if (win !== null) {
      dialog.showMessageBoxSync(win, { type: 'error', message: `The engine stopped (exit ${code ?? 'signal'}).`, detail: `See ${join(app.getPath('logs'), 'engine.log')}. The console keeps the last state until you reopen the show.` });
    }
  });
  remember('shows', dir);
  showConsole(e.consoleUrl, dir);
  return null;
}

async function openShowDialog(): Promise<string | null> {
  if (win === null) return null;
  const r = await dialog.showOpenDialog(win, { title: 'Open a show folder', properties: ['openDirectory'], defaultPath: join(appRoot, 'shows') });
  const dir = r.filePaths[0];
  return r.canceled || dir === undefined ? null : startShow(dir);
}

async function connect(url: string): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'That is not a URL; paste the console URL the engine printed.';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'The console URL starts with http:// or https://.';
  if (!/[#?&]token=/.test(url)) return 'The URL has no token (…/#token=…); ask for the console URL with its token.';
  await stopEngine();
  remember('urls', url);
  showConsole(url, parsed.host);
  return null;
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'Show',
      submenu: [
        { label: 'Open show folder…', accelerator: 'CmdOrCtrl+O', click: () => { void openShowDialog(); } },
        { label: 'Connect to an engine…', accelerator: 'CmdOrCtrl+K', click: () => showLauncher() },
        { type: 'separator' },
        { label: 'Stop local engine', click: () => { void stopEngine().then(showLauncher); } },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'togglefullscreen', accelerator: 'F11' },
        { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'resetZoom' },
        { type: 'separator' },
        { label: 'Reload console', accelerator: 'CmdOrCtrl+Shift+R', click: () => win?.webContents.reload() },
        { role: 'toggleDevTools' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Engine log', click: () => { void shell.openPath(join(app.getPath('logs'), 'engine.log')); } },
        { label: 'About Precue Desk', click: () => { void dialog.showMessageBox({ message: `Precue Desk ${app.getVersion()}`, detail: 'Show-control automation: listens, predicts the next cue, fires it on the beat.' }); } },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

// ---------- start ----------

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => { if (win !== null) { if (win.isMinimized()) win.restore(); win.focus(); } });
  ipcMain.handle('desk:open-show', () => openShowDialog());
  ipcMain.handle('desk:start-show', (_e, dir: unknown) => (typeof dir === 'string' ? startShow(dir) : 'bad show folder'));
  ipcMain.handle('desk:connect', (_e, url: unknown) => (typeof url === 'string' ? connect(url) : 'bad URL'));
  ipcMain.handle('desk:recent', () => readRecent());

  void app.whenReady().then(async () => {
    buildMenu();
    win = createWindow();
    win.on('closed', () => { win = null; });
    const show = argValue('--show');
    const url = argValue('--connect');
    const error = show !== undefined ? await startShow(resolve(show)) : url !== undefined ? await connect(url) : (showLauncher(), null);
    if (error !== null) {
      showLauncher();
      dialog.showErrorBox('Precue Desk', error);
    }
  });

  app.on('before-quit', (event) => {
    if (engine === null) return;
    event.preventDefault();
    quitting = true;
    void stopEngine().then(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
}
