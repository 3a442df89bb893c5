/** The launcher page: pick a show to run locally or a remote engine to connect to. Keyboard first. */
// A classic script (no imports): wrapped so nothing leaks into the page's globals.
(() => {
  interface DeskBridge {
    openShow(): Promise<string | null>;
    startShow(dir: string): Promise<string | null>;
    connect(url: string): Promise<string | null>;
    recent(): Promise<{ shows: string[]; urls: string[] }>;
  }

  const desk = (window as unknown as { precueDesk: DeskBridge }).precueDesk;
  const status = document.getElementById('status') as HTMLElement;
  const urlInput = document.getElementById('url') as HTMLInputElement;

  function busy(text: string): void {
    status.textContent = text;
    status.className = 'status';
  }

  function report(error: string | null): void {
    if (error !== null) {
      status.textContent = error;
      status.className = 'status error';
    }
  }

  document.getElementById('open')?.addEventListener('click', () => {
    busy('Starting the engine…');
    void desk.openShow().then(report);
  });
  document.getElementById('connect-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    busy('Connecting…');
    void desk.connect(urlInput.value.trim()).then(report);
  });

  void desk.recent().then(({ shows, urls }) => {
    const list = document.getElementById('recent') as HTMLElement;
    for (const dir of shows) {
      const b = document.createElement('button');
      b.textContent = `Run ${dir}`;
      b.addEventListener('click', () => { busy('Starting the engine…'); void desk.startShow(dir).then(report); });
      list.append(b);
    }
    if (urls[0] !== undefined && urlInput.value === '') urlInput.value = urls[0];
  });
})();
