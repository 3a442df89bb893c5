/**
 * A digital mixing desk over OSC (UDP), as a `DeviceConnector` for a `DeviceLink`: the link keeps it
 * connected, backs off and retries, and reports health; this opens one session. A session asks the
 * desk who it is (`/info`: model and firmware), subscribes to its changes (`/xremote`, renewed every
 * 9 s on the X32), reads back every parameter the show moves (resync: after a reconnect the engine
 * starts from where the desk really is, including what a person changed meanwhile), keeps asking
 * `/info` as a heartbeat and reports the connection lost when the desk stops answering.
 */
import dgram from 'node:dgram';
import { decodeOscPacket, encodeOscMessage, type OscMessageSpec } from '../../core/osc/packet.js';
import { createLogger, type Logger } from '../../core/log.js';
import { describeMixerValue, mixerOscType, type MixerProfile, type ResolvedParam } from '../../core/mixer/profile.js';
import type { MixerOutput } from '../../core/show/schema.js';
import type { DeviceConnector, DeviceReporter, DeviceSession } from '../devices/deviceLink.js';

/** Heartbeat period, and how long without any answer counts as lost. */
export const MIXER_HEARTBEAT_MS = 2000;
export const MIXER_SILENCE_MS = 6000;
/** Parameters shown on the console, at most (the device record holds 16 facts). */
const SHOWN_PARAMS = 13;
/** The console hears a parameter's value at most this often. */
const SHOW_EVERY_MS = 100;

/** An open connection to a desk. */
export interface OscMixerSession extends DeviceSession {
  /** Sends one parameter value (desk units). */
  set(param: ResolvedParam, value: number): Promise<void>;
}

/** What the connector tells the engine about the desk's values. */
export interface MixerObserver {
  /** A parameter's value as the desk reports it (resync or its change feed). */
  value(address: string, value: number): void;
}

/** Opens OSC sessions to one desk. */
export class OscMixerConnector implements DeviceConnector<OscMixerSession> {
  readonly kind: string;
  readonly id: string;
  readonly label: string;
  readonly address: string;
  readonly timeoutHint: string;
  private readonly port: number;
  private readonly byAddress: ReadonlyMap<string, ResolvedParam>;

  constructor(
    private readonly config: MixerOutput,
    private readonly profile: MixerProfile,
    /** The parameters the show moves: read back at connect, followed, shown on the console. */
    private readonly params: readonly ResolvedParam[],
    private readonly observer: MixerObserver,
    private readonly log: Logger = createLogger(`io/mixer/${config.kind}`),
    /** Heartbeat and silence limits (tests shorten them). */
    private readonly timing: { readonly heartbeatMs: number; readonly silenceMs: number } = { heartbeatMs: MIXER_HEARTBEAT_MS, silenceMs: MIXER_SILENCE_MS },
  ) {
    this.kind = profile.kind;
    this.id = config.id;
    this.label = config.label ?? profile.name;
    this.port = config.port ?? profile.port;
    this.address = `${config.host}:${this.port}`;
    this.timeoutHint = `is the desk on, on this network, and answering OSC on UDP ${this.port}?`;
    this.byAddress = new Map(params.map((p) => [p.address, p]));
  }

  open(report: DeviceReporter, signal: AbortSignal): Promise<OscMixerSession> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      let lastHeardMs = Date.now();
      let connected = false;
      let closed = false;
      const timers: ReturnType<typeof setInterval>[] = [];
      const send = (m: OscMessageSpec): Promise<void> =>
        new Promise((res, rej) => {
          if (closed) {
            rej(new Error('the connection is closed'));
            return;
          }
          socket.send(encodeOscMessage(m), this.port, this.config.host, (err) => (err !== null && err !== undefined ? rej(err) : res()));
        });
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        for (const t of timers) clearInterval(t);
        if (showTimer !== undefined) clearTimeout(showTimer);
        await new Promise<void>((r) => socket.close(() => r()));
      };
      const fail = (err: Error): void => {
        void close();
        reject(err);
      };
      signal.addEventListener('abort', () => void close(), { once: true });
      socket.on('error', (err) => {
        if (!connected) fail(new Error(`cannot reach ${this.address}: ${err.message}`));
        else report.lost(err.message);
      });
      const shown = new Map<string, string>();
      // What the console shows of a parameter: the desk's word for it, or what we last sent (the desk
      // does not echo a sender's own changes), at most ten updates a second however fast a fade runs.
      const pending = new Map<string, string>();
      let showTimer: ReturnType<typeof setTimeout> | undefined;
      const show = (p: ResolvedParam, v: number): void => {
        if (shown.size >= SHOWN_PARAMS && !shown.has(p.param)) return;
        const text = describeMixerValue(p.law, v);
        if (shown.get(p.param) === text) {
          pending.delete(p.param);
          return;
        }
        pending.set(p.param, text);
        showTimer ??= setTimeout(() => {
          showTimer = undefined;
          if (closed) return;
          const patch = Object.fromEntries(pending);
          for (const [k, t] of pending) shown.set(k, t);
          pending.clear();
          report.facts(patch);
        }, SHOW_EVERY_MS);
      };
      socket.on('message', (msg) => {
        let messages;
        try {
          messages = decodeOscPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
        } catch (err) {
          this.log.debug(`${this.id}: undecodable packet dropped: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        lastHeardMs = Date.now();
        for (const m of messages) {
          if (m.address === this.profile.infoAddress) {
            const [version, server, model, firmware] = m.args.map((a) => (typeof a.value === 'string' ? a.value : ''));
            report.facts({ model: model ?? '', firmware: firmware ?? '', server: `${server ?? ''} ${version ?? ''}`.trim() });
            if (!connected) {
              connected = true;
              void this.afterConnect(send, timers, () => lastHeardMs, report).then(
                () =>
                  resolve({
                    set: async (param, value) => {
                      await send({ address: param.address, args: [{ type: mixerOscType(param.law), value }] });
                      if (param.readable) show(param, value);
                    },
                    close,
                  }),
                (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
              );
            }
            continue;
          }
          const p = this.byAddress.get(m.address);
          const v = m.args[0]?.value;
          if (p === undefined || typeof v !== 'number' || !Number.isFinite(v)) continue;
          this.observer.value(m.address, v);
          show(p, v);
        }
      });
      socket.bind(0, () => {
        send({ address: this.profile.infoAddress }).catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
      });
    });
  }

  /** Subscribes, reads back every parameter, and starts the renewal and the heartbeat. */
  private async afterConnect(send: (m: OscMessageSpec) => Promise<void>, timers: ReturnType<typeof setInterval>[], lastHeard: () => number, report: DeviceReporter): Promise<void> {
    const { address, renewMs } = this.profile.subscribe;
    await send({ address });
    timers.push(setInterval(() => void send({ address }).catch(() => undefined), renewMs));
    for (const p of this.params) if (p.readable) await send({ address: p.address });
    timers.push(
      setInterval(() => {
        void send({ address: this.profile.infoAddress }).catch(() => undefined);
        if (Date.now() - lastHeard() > this.timing.silenceMs) report.lost(`no answer for ${this.timing.silenceMs / 1000} s`);
      }, this.timing.heartbeatMs),
    );
    for (const t of timers) t.unref();
  }
}
