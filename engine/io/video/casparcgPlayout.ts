/**
 * A CasparCG playout server through `casparcg-connection` (AMCP over TCP): cue a clip in a layer's
 * background (LOADBG), PLAY, STOP, and HTML/Flash templates (CG ADD, CG UPDATE, CG STOP). On connect
 * it lists the server's media (CLS), templates (TLS) and channels (INFO) and reports every clip,
 * template or channel the show names that the server lacks. A command the server refuses (404 media
 * not found, 401 illegal channel…) is a failed command with the server's reason.
 *
 * One library client lives as long as the output: casparcg-connection owns the TCP socket and also
 * retries it by itself (every 5 s); each attempt of the device link asks it to connect at once.
 */
import { CasparCG, type Response, type SendResult } from 'casparcg-connection';
import { createLogger, type Logger } from '../../core/log.js';
import { checkDeviceNames, formatNameProblem, type DeviceInventory } from '../../core/show/deviceNames.js';
import type { ShowFile } from '../../core/show/schema.js';
import type { CasparcgMessage, PlayoutConfig } from '../../core/show/video.js';
import type { DeviceConnector, DeviceReporter, DeviceSession } from '../devices/deviceLink.js';
import { abortable, errorText } from './switcher.js';

/** An open playout connection. */
export interface PlayoutSession extends DeviceSession {
  send(message: CasparcgMessage): Promise<void>;
}

/** Waits for the server's answer to a sent command; throws with its reason when it refused. */
async function answered<D>(sending: Promise<SendResult<D>>, what: string): Promise<Response<D>> {
  const sent = await sending;
  if (sent.error !== undefined) throw new Error(`${what} not sent: ${sent.error.message}`);
  const response = await sent.request;
  if (response.responseCode >= 400) throw new Error(`${what}: the server answered ${response.responseCode} (${response.message})`);
  return response;
}

/** A TLS line as a template name: `NAME`, `folder/NAME`, or `"NAME" size date` from older servers. */
export function templateName(line: string): string {
  const quoted = /^"([^"]*)"/.exec(line.trim());
  return quoted !== null ? quoted[1]! : line.trim();
}

class CasparcgSession implements PlayoutSession {
  private closed = false;

  constructor(
    private readonly api: CasparCG,
    private readonly id: string,
    private readonly onDisconnect: () => void,
  ) {
    api.on('disconnect', this.onDisconnect);
  }

  async send(m: CasparcgMessage): Promise<void> {
    const at = { channel: m.channel, layer: m.layer };
    const where = `${m.action} on ${m.channel}-${m.layer}`;
    switch (m.action) {
      case 'load':
        await answered(this.api.loadbg({ ...at, clip: m.clip, ...(m.loop ? { loop: true } : {}) }), where);
        return;
      case 'play':
        await answered(this.api.play({ ...at, ...(m.clip !== undefined ? { clip: m.clip } : {}), ...(m.loop ? { loop: true } : {}) }), where);
        return;
      case 'stop':
        await answered(this.api.stop(at), where);
        return;
      case 'template-add':
        await answered(this.api.cgAdd({ ...at, cgLayer: m.cgLayer, template: m.template, playOnLoad: m.playOnLoad, ...(m.data !== undefined ? { data: m.data } : {}) }), where);
        return;
      case 'template-update':
        await answered(this.api.cgUpdate({ ...at, cgLayer: m.cgLayer, data: m.data }), where);
        return;
      case 'template-stop':
        await answered(this.api.cgStop({ ...at, cgLayer: m.cgLayer }), where);
        return;
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.api.off('disconnect', this.onDisconnect);
    }
    return Promise.resolve();
  }

  toString(): string {
    return `CasparCG '${this.id}'`;
  }
}

/** Opens connections to one CasparCG server. */
export class CasparcgConnector implements DeviceConnector<PlayoutSession> {
  readonly kind = 'casparcg';
  readonly id: string;
  readonly label: string;
  readonly address: string;
  readonly timeoutHint = 'check the server is running and its AMCP port';
  private api: CasparCG | undefined;
  private readonly log: Logger;

  constructor(
    private readonly config: Extract<PlayoutConfig, { kind: 'casparcg' }>,
    private readonly show: ShowFile,
    log?: Logger,
  ) {
    this.id = config.id;
    this.label = config.label ?? '';
    this.address = `${config.host}:${config.port}`;
    this.log = log ?? createLogger('io/video/casparcg');
  }

  private client(): CasparCG {
    if (this.api === undefined) {
      this.api = new CasparCG({ host: this.config.host, port: this.config.port, autoConnect: false });
      this.api.on('error', (e) => this.log.debug(`CasparCG '${this.id}': ${errorText(e)}`));
    }
    return this.api;
  }

  async open(report: DeviceReporter, signal: AbortSignal): Promise<PlayoutSession> {
    const api = this.client();
    if (!api.connected) {
      const connected = new Promise<void>((resolve) => api.once('connect', () => resolve()));
      api.connect();
      await abortable(signal, connected, () => undefined);
    }
    const [cls, tls, info, version] = await abortable(
      signal,
      Promise.all([answered(api.cls(), 'CLS'), answered(api.tls(), 'TLS'), answered(api.info({}), 'INFO'), answered(api.version(), 'VERSION')]),
      () => undefined,
    );
    const inventory: DeviceInventory = {
      kind: 'casparcg',
      channels: Math.max(1, info.data.length),
      clips: cls.data.map((c) => c.clip),
      templates: tls.data.map(templateName).filter((t) => t !== ''),
    };
    report.problems(checkDeviceNames(this.show, this.id, inventory).map((p) => formatNameProblem(p)));
    report.facts({ version: version.data.fullVersion, channels: inventory.channels, clips: inventory.clips.length, templates: inventory.templates.length });
    return new CasparcgSession(api, this.id, () => report.lost('the server closed the connection'));
  }

  /** Stops the library client's timers and socket (the output is done). */
  dispose(): Promise<void> {
    this.api?.removeAllListeners();
    void this.api?.discard();
    this.api = undefined;
    return Promise.resolve();
  }
}
