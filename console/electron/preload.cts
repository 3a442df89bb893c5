/**
 * The launcher page's only door to the app: three calls over IPC. The console page itself gets no
 * preload at all — it is the same page a browser shows.
 */
import electron = require('electron');

const { contextBridge, ipcRenderer } = electron;

contextBridge.exposeInMainWorld('precueDesk', {
  /** Opens a folder picker and starts a local engine for the chosen show. */
  openShow: (): Promise<string | null> => ipcRenderer.invoke('desk:open-show') as Promise<string | null>,
  /** Starts a local engine for a show folder. */
  startShow: (dir: string): Promise<string | null> => ipcRenderer.invoke('desk:start-show', dir) as Promise<string | null>,
  /** Connects to a remote engine's console URL (with `#token=` or `?token=`). */
  connect: (url: string): Promise<string | null> => ipcRenderer.invoke('desk:connect', url) as Promise<string | null>,
  /** Recently used shows and URLs. */
  recent: (): Promise<{ shows: string[]; urls: string[] }> => ipcRenderer.invoke('desk:recent') as Promise<{ shows: string[]; urls: string[] }>,
});
