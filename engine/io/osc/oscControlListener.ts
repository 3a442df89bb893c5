/**
 * Incoming OSC control over UDP, as QLab users expect it: decodes packets (osc-js), checks the sender
 * against the allow-list (addresses or CIDR ranges) and, when the show sets a passcode, against the
 * sessions opened with `/connect`; reads each message against the dictionary
 * (engine/core/osc/dictionary.ts), emits accepted commands, and answers every message on
 * `/reply/<address>` — to the sender's port, or to `replyPort` when set (QLab sends UDP replies to
 * a fixed port). Subscribers (`/updates 1`) get `/update/…` messages when the state changes.
 *
 * Refused senders are logged (once a minute per address, with a count) and never answered; malformed
 * packets and unknown addresses are counted, answered with an error where possible, and dropped.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { BlockList, isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { type ControlEvent } from '../../core/control.js';
import { DeviceError, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { interpretOsc, type OscRequest } from '../../core/osc/dictionary.js';
import { decodeOscPacket, encodeOscMessage, type OscArg, type OscMessageIn, type OscMessageSpec } from '../../core/osc/packet.js';
import { oscReplyMessage, oscUpdateMessages, oscUpdateValues, respondToOsc, type OscControlState, type OscReply } from '../../core/osc/respond.js';

/** Listener settings (the show's `inputs.osc`). */
export interface OscControlOptions {
  readonly port: number;
  readonly host: string;
  /** Source addresses or CIDR ranges allowed to send control; absent = anyone who can reach `host`. */
  readonly allow?: readonly string[];
  /** When set, a sender must `/connect <passcode>` before anything else is accepted. */
  readonly passcode?: string;
  /** Send replies and updates to this port on the sender's address instead of its source port. */
  readonly replyPort?: number;
}

/** The engine as OSC control sees it. */
export interface OscControlView {
  /** The state to check commands against and answer queries from (cheap: called per message). */
  state(): OscControlState;
  /** Emits whenever the state may have changed (the console's deltas); updates are sent then. */
  readonly changes$?: Observable<unknown>;
}

/** Counters. */
export interface OscControlStats {
  packets: number;
  commands: number;
  queries: number;
  malformed: number;
  /** Packets from senders outside the allow-list (never answered). */
  refused: number;
  /** Messages refused for want of a `/connect` session or with a wrong passcode. */
  denied: number;
  unknown: number;
  replies: number;
  updates: number;
  lastProblem?: string;
}

/** Sessions and subscribers kept at most (oldest dropped first), so a scan cannot grow memory. */
const MAX_SESSIONS = 256;
/** Wrong passcodes from one address within a minute before its `/connect`s are ignored for a minute. */
const MAX_BAD_PASSCODES = 5;
const MINUTE_MS = 60_000;
/** How often subscribers' values are compared when nothing announced a change (blackout, MSC). */
const UPDATE_POLL_MS = 250;

const plainAddress = (a: string): string => a.replace(/^::ffff:/, '');

/** Builds the allow-list; throws InputError naming a bad entry. */
export function buildAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (family === 0) throw new InputError('inputs.osc.allow', `'${raw}' is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24)`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      list.addAddress(addr, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) throw new InputError('inputs.osc.allow', `'${raw}': prefix /${bits} is out of range`);
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

/** Checks one source address against a list built by `buildAllowList`. */
function allowed(list: BlockList, address: string): boolean {
  const a = plainAddress(address);
  const family = isIP(a);
  if (family === 0) return false;
  if (list.check(a, family === 6 ? 'ipv6' : 'ipv4')) return true;
  // IPv4 senders on a dual-stack socket arrive as ::ffff:a.b.c.d; an IPv4 entry should still match.
  return family === 4 && list.check(`::ffff:${a}`, 'ipv6');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Listens for OSC control, emits commands, answers every message. */
export class OscControlListener {
  private socket: dgram.Socket | undefined;
  private readonly subject = new Subject<ControlEvent>();
  /** Commands as they arrive. */
  readonly commands$: Observable<ControlEvent> = this.subject.asObservable();
  readonly stats: OscControlStats = { packets: 0, commands: 0, queries: 0, malformed: 0, refused: 0, denied: 0, unknown: 0, replies: 0, updates: 0 };
  private readonly allow: BlockList | undefined;
  private readonly passcodeDigest: Buffer | undefined;
  private view: OscControlView | undefined;
  private viewSubscription: Subscription | undefined;
  /** Addresses with an open `/connect` session (only used with a passcode), by address. */
  private readonly sessions = new Map<string, number>();
  /** Update subscribers by `address:port`. */
  private readonly subscribers = new Map<string, { address: string; port: number }>();
  private lastValues = new Map<string, OscArg>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private updatePending = false;
  /** Per source: when its refusal was last logged and how many since. */
  private readonly refusalLog = new Map<string, { atMs: number; count: number }>();
  private readonly badPasscodes = new Map<string, number[]>();

  constructor(
    private readonly options: OscControlOptions,
    private readonly log: Logger = createLogger('io/osc-in'),
  ) {
    this.allow = options.allow === undefined ? undefined : buildAllowList(options.allow);
    this.passcodeDigest = options.passcode === undefined ? undefined : digest(options.passcode);
  }

  /** The bound port (useful when `port` was 0). */
  get port(): number {
    return this.socket?.address().port ?? this.options.port;
  }

  /** How many senders are subscribed to updates. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Binds the port; rejects with DeviceError when it is taken. */
  async open(): Promise<void> {
    const s = dgram.createSocket({ type: isIP(this.options.host) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) =>
        reject(new DeviceError(`osc in ${this.options.host}:${this.options.port}`, `cannot listen: ${err.message}`, 'another program (QLab, a second Precue) may hold the port; change inputs.osc.port')),
      );
      s.bind(this.options.port, this.options.host, () => resolve());
    });
    s.on('error', (err) => this.log.warn(`osc in socket error: ${err.message}`));
    s.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
    this.socket = s;
    this.log.info(`listening for OSC control on ${this.options.host}:${this.port}`);
  }

  /**
   * Starts answering queries and checking commands against the engine's state. Until then commands
   * are still emitted (unchecked) and queries are answered with an error.
   */
  serve(view: OscControlView): void {
    this.view = view;
    this.viewSubscription?.unsubscribe();
    this.viewSubscription = view.changes$?.subscribe({ next: () => this.scheduleUpdate(), error: () => undefined });
    this.pollTimer ??= setInterval(() => this.sendUpdates(), UPDATE_POLL_MS);
    this.pollTimer.unref();
  }

  private problem(kind: 'malformed' | 'unknown', detail: string): void {
    this.stats[kind]++;
    this.stats.lastProblem = detail;
    this.log.debug(`dropped OSC (${kind}): ${detail}`);
  }

  /** Logs a refusal at warn, at most once a minute per source (a flood must not flood the log). */
  private refuse(kind: 'refused' | 'denied', source: string, detail: string): void {
    this.stats[kind]++;
    this.stats.lastProblem = detail;
    const now = performance.now();
    const seen = this.refusalLog.get(source);
    if (seen !== undefined && now - seen.atMs < MINUTE_MS) {
      seen.count++;
      return;
    }
    const more = seen !== undefined && seen.count > 0 ? ` (and ${seen.count} more since the last warning)` : '';
    this.log.warn(`OSC control ${kind}: ${detail}${more}`);
    if (this.refusalLog.size >= MAX_SESSIONS) this.refusalLog.delete(this.refusalLog.keys().next().value!);
    this.refusalLog.set(source, { atMs: now, count: 0 });
  }

  private onPacket(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.packets++;
    const source = plainAddress(rinfo.address);
    const from = `${source}:${rinfo.port}`;
    if (this.allow !== undefined && !allowed(this.allow, rinfo.address)) {
      this.refuse('refused', source, `${from} is not in inputs.osc.allow; packet dropped`);
      return;
    }
    let messages: OscMessageIn[];
    try {
      messages = decodeOscPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch (err) {
      this.problem('malformed', `${from}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const replyTo = { address: rinfo.address, port: this.options.replyPort ?? rinfo.port };
    for (const m of messages) this.onMessage(m, source, from, replyTo);
  }

  private onMessage(m: OscMessageIn, source: string, from: string, replyTo: { address: string; port: number }): void {
    let request: OscRequest;
    try {
      request = interpretOsc(m);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.problem('unknown', `${from}: ${message}`);
      this.reply(replyTo, m.address, { status: 'error', data: message });
      return;
    }
    if (this.passcodeDigest !== undefined && request.kind !== 'connect' && !this.sessions.has(source)) {
      this.refuse('denied', source, `${from} sent ${m.address} without /connect <passcode>; refused`);
      this.reply(replyTo, m.address, { status: 'denied', data: 'connect first: /connect <passcode>' });
      return;
    }
    switch (request.kind) {
      case 'connect':
        this.reply(replyTo, m.address, this.connect(source, from, request.passcode));
        return;
      case 'disconnect':
        this.sessions.delete(source);
        this.subscribers.delete(`${replyTo.address}:${replyTo.port}`);
        this.reply(replyTo, m.address, { status: 'ok', data: 'ok' });
        return;
      case 'updates':
        this.reply(replyTo, m.address, { status: 'ok', data: request.on ? 1 : 0 });
        this.subscribe(replyTo, request.on);
        return;
      case 'command':
      case 'query':
      case 'playhead':
        break;
    }
    const view = this.view;
    if (view === undefined) {
      // Still starting: commands go through unchecked (the arbiter drops what makes no sense), queries wait.
      if (request.kind === 'command') {
        this.emit(request.command, from);
        this.reply(replyTo, m.address, { status: 'ok', data: null });
      } else {
        this.reply(replyTo, m.address, { status: 'error', data: 'the engine is still starting' });
      }
      return;
    }
    let response;
    try {
      response = respondToOsc(request, view.state());
    } catch (err) {
      this.log.error(`OSC ${m.address} from ${from} failed: ${err instanceof Error ? err.message : String(err)}`);
      this.reply(replyTo, m.address, { status: 'error', data: 'internal error (logged)' });
      return;
    }
    if (response.command !== undefined) this.emit(response.command, from);
    else this.stats.queries++;
    if (response.reply.status !== 'ok') this.log.debug(`OSC ${m.address} from ${from}: ${String(response.reply.data)}`);
    this.reply(replyTo, m.address, response.reply);
    if (response.command !== undefined) this.scheduleUpdate();
  }

  private emit(command: ControlEvent['command'], from: string): void {
    this.stats.commands++;
    try {
      this.subject.next({ command, origin: 'osc', from });
    } catch (err) {
      this.log.error(`OSC control subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private connect(source: string, from: string, passcode: string | undefined): OscReply {
    const expected = this.passcodeDigest;
    if (expected === undefined) return { status: 'ok', data: 'ok' };
    const now = performance.now();
    const recent = (this.badPasscodes.get(source) ?? []).filter((t) => now - t < MINUTE_MS);
    if (recent.length >= MAX_BAD_PASSCODES) {
      this.refuse('denied', source, `${from}: too many wrong passcodes; /connect ignored for a minute`);
      return { status: 'denied', data: 'badpass' };
    }
    if (passcode !== undefined && timingSafeEqual(digest(passcode), expected)) {
      this.badPasscodes.delete(source);
      if (this.sessions.size >= MAX_SESSIONS && !this.sessions.has(source)) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(source, now);
      this.log.info(`OSC control session opened by ${from}`);
      return { status: 'ok', data: 'ok' };
    }
    recent.push(now);
    if (this.badPasscodes.size >= MAX_SESSIONS && !this.badPasscodes.has(source)) this.badPasscodes.delete(this.badPasscodes.keys().next().value!);
    this.badPasscodes.set(source, recent);
    this.refuse('denied', source, `${from}: wrong passcode in /connect`);
    return { status: 'denied', data: 'badpass' };
  }

  private subscribe(to: { address: string; port: number }, on: boolean): void {
    const key = `${to.address}:${to.port}`;
    if (!on) {
      this.subscribers.delete(key);
      return;
    }
    if (this.subscribers.size >= MAX_SESSIONS && !this.subscribers.has(key)) this.subscribers.delete(this.subscribers.keys().next().value!);
    this.subscribers.set(key, to);
    // A new subscriber starts from the whole picture.
    if (this.view !== undefined) for (const u of oscUpdateMessages(new Map(), oscUpdateValues(this.view.state()))) this.send(to, u, 'updates');
  }

  private scheduleUpdate(): void {
    if (this.updatePending || this.subscribers.size === 0) return;
    this.updatePending = true;
    setImmediate(() => {
      this.updatePending = false;
      this.sendUpdates();
    });
  }

  private sendUpdates(): void {
    const view = this.view;
    if (view === undefined || this.subscribers.size === 0 || this.socket === undefined) return;
    let next: Map<string, OscArg>;
    try {
      next = oscUpdateValues(view.state());
    } catch (err) {
      this.log.error(`OSC updates failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const changed = oscUpdateMessages(this.lastValues, next);
    this.lastValues = next;
    for (const u of changed) for (const s of this.subscribers.values()) this.send(s, u, 'updates');
  }

  private reply(to: { address: string; port: number }, address: string, reply: OscReply): void {
    this.send(to, oscReplyMessage(address, reply), 'replies');
  }

  private send(to: { address: string; port: number }, message: OscMessageSpec, counter: 'replies' | 'updates'): void {
    const s = this.socket;
    if (s === undefined) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeOscMessage(message);
    } catch (err) {
      this.log.error(`OSC ${counter} not encoded: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.stats[counter]++;
    s.send(bytes, to.port, to.address, (err) => {
      if (err !== null && err !== undefined) this.log.debug(`OSC ${counter} to ${to.address}:${to.port} failed: ${err.message}`);
    });
  }

  /** Tells subscribers we are going (`/update/disconnect`), stops listening and completes `commands$`. */
  async close(): Promise<void> {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.viewSubscription?.unsubscribe();
    for (const s of this.subscribers.values()) this.send(s, { address: '/update/disconnect' }, 'updates');
    this.subscribers.clear();
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => setImmediate(() => s.close(() => r())));
    this.subject.complete();
  }
}
