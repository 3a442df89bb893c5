/**
 * What happens to one incoming OSC control packet, in order of cost: the sender's packet budget (a
 * flood is dropped unread), the allow-list (addresses or CIDR ranges; refused senders are logged once
 * a minute each and never answered), the decode (osc-js), the dictionary
 * (engine/core/osc/dictionary.ts), the `/connect` passcode. Sessions (`/connect`, `/disconnect`,
 * `/updates`) and every refusal are answered here; commands and queries, which need the engine's
 * state, go to `forward` and are answered by the main thread. Runs in the OSC input thread
 * (oscControlWorker.ts), never on the frame loop's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { InputError } from '../../core/errors.js';
import { interpretOsc, type OscRequest } from '../../core/osc/dictionary.js';
import { decodeOscPacket, type OscMessageIn } from '../../core/osc/packet.js';
import { type OscReply } from '../../core/osc/respond.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { SourceBudget, type SourceBudgetOptions } from '../sourceBudget.js';

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
  /** Packets per second per sender and in total before the rest is dropped unread. */
  readonly budget?: SourceBudgetOptions;
}

/** Counters. */
export interface OscControlStats {
  packets: number;
  /** Commands carried out (counted on the main thread, which checks them). */
  commands: number;
  /** Queries answered. */
  queries: number;
  malformed: number;
  /** Packets from senders outside the allow-list (never answered). */
  refused: number;
  /** Messages refused for want of a `/connect` session or with a wrong passcode. */
  denied: number;
  unknown: number;
  /** Dropped unread: over the per-sender or total packet budget (a flood). */
  overBudget: number;
  replies: number;
  updates: number;
  lastProblem?: string;
}

/** A reply destination. */
export interface OscPeer {
  readonly address: string;
  readonly port: number;
}

/** A command or query for the engine to answer. */
export interface OscEngineRequest {
  /** The address as sent (the reply goes to `/reply` + this). */
  readonly address: string;
  readonly request: Exclude<OscRequest, { kind: 'connect' | 'disconnect' | 'updates' }>;
  /** `address:port` of the sender, for the decision log. */
  readonly from: string;
  readonly replyTo: OscPeer;
}

/** Sessions and subscribers kept at most (oldest dropped first), so a scan cannot grow memory. */
const MAX_SESSIONS = 256;
/** Wrong passcodes from one address within a minute before its `/connect`s are ignored for a minute. */
const MAX_BAD_PASSCODES = 5;
const MINUTE_MS = 60_000;

const plainAddress = (a: string): string => a.replace(/^::ffff:/, '');
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

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

function allowed(list: BlockList, address: string): boolean {
  const a = plainAddress(address);
  const family = isIP(a);
  if (family === 0) return false;
  if (list.check(a, family === 6 ? 'ipv6' : 'ipv4')) return true;
  // IPv4 senders on a dual-stack socket arrive as ::ffff:a.b.c.d; an IPv4 entry should still match.
  return family === 4 && list.check(`::ffff:${a}`, 'ipv6');
}

function bounded<K, V>(map: Map<K, V>, key: K): void {
  if (map.size >= MAX_SESSIONS && !map.has(key)) map.delete(map.keys().next().value!);
}

/** Decodes, checks and answers packets; hands commands and queries on. */
export class OscPacketHandler {
  readonly stats: OscControlStats = { packets: 0, commands: 0, queries: 0, malformed: 0, refused: 0, denied: 0, unknown: 0, overBudget: 0, replies: 0, updates: 0 };
  private readonly budget: SourceBudget;
  private readonly flood: RepeatingProblem;
  private readonly allow: BlockList | undefined;
  private readonly passcodeDigest: Buffer | undefined;
  /** Addresses with an open `/connect` session (only used with a passcode). */
  private readonly sessions = new Map<string, number>();
  /** Update subscribers by `address:port`. */
  readonly subscribers = new Map<string, OscPeer>();
  /** Per source: when its refusal was last logged and how many since. */
  private readonly refusalLog = new Map<string, { atMs: number; count: number }>();
  private readonly badPasscodes = new Map<string, number[]>();

  constructor(
    private readonly options: Omit<OscControlOptions, 'port' | 'host'>,
    private readonly forward: (r: OscEngineRequest) => void,
    private readonly reply: (to: OscPeer, address: string, reply: OscReply) => void,
    private readonly say: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void,
  ) {
    this.allow = options.allow === undefined ? undefined : buildAllowList(options.allow);
    this.passcodeDigest = options.passcode === undefined ? undefined : digest(options.passcode);
    this.budget = new SourceBudget(options.budget, performance.now());
    this.flood = new RepeatingProblem('OSC control in', say);
  }

  private problem(kind: 'malformed' | 'unknown', detail: string): void {
    this.stats[kind]++;
    this.stats.lastProblem = detail;
    this.say('debug', `dropped OSC (${kind}): ${detail}`);
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
    this.say('warn', `OSC control ${kind}: ${detail}${more}`);
    bounded(this.refusalLog, source);
    this.refusalLog.set(source, { atMs: now, count: 0 });
  }

  private answer(to: OscPeer, address: string, reply: OscReply): void {
    this.stats.replies++;
    this.reply(to, address, reply);
  }

  /** One datagram from `address:port`. */
  packet(bytes: Uint8Array, address: string, port: number): void {
    this.stats.packets++;
    const now = performance.now();
    if (!this.budget.take(address, now)) {
      this.stats.overBudget++;
      this.flood.occurred(`more packets than the control budget from ${address}; the excess is dropped unread`, now);
      return;
    }
    const source = plainAddress(address);
    const from = `${source}:${port}`;
    if (this.allow !== undefined && !allowed(this.allow, address)) {
      this.refuse('refused', source, `${from} is not in inputs.osc.allow; packet dropped`);
      return;
    }
    let messages: OscMessageIn[];
    try {
      messages = decodeOscPacket(bytes);
    } catch (err) {
      this.problem('malformed', `${from}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const replyTo = { address, port: this.options.replyPort ?? port };
    for (const m of messages) this.message(m, source, from, replyTo);
  }

  private message(m: OscMessageIn, source: string, from: string, replyTo: OscPeer): void {
    let request: OscRequest;
    try {
      request = interpretOsc(m);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof InputError)) this.say('error', `OSC control mapping failed: ${message}`);
      this.problem('unknown', `${from}: ${message}`);
      this.answer(replyTo, m.address, { status: 'error', data: message });
      return;
    }
    if (this.passcodeDigest !== undefined && request.kind !== 'connect' && !this.sessions.has(source)) {
      this.refuse('denied', source, `${from} sent ${m.address} without /connect <passcode>; refused`);
      this.answer(replyTo, m.address, { status: 'denied', data: 'connect first: /connect <passcode>' });
      return;
    }
    switch (request.kind) {
      case 'connect':
        this.answer(replyTo, m.address, this.connect(source, from, request.passcode));
        return;
      case 'disconnect':
        this.sessions.delete(source);
        this.subscribers.delete(`${replyTo.address}:${replyTo.port}`);
        this.answer(replyTo, m.address, { status: 'ok', data: 'ok' });
        return;
      case 'updates': {
        this.answer(replyTo, m.address, { status: 'ok', data: request.on ? 1 : 0 });
        const key = `${replyTo.address}:${replyTo.port}`;
        if (request.on) {
          bounded(this.subscribers, key);
          this.subscribers.set(key, replyTo);
        } else this.subscribers.delete(key);
        return;
      }
      case 'command':
      case 'query':
      case 'playhead':
        this.forward({ address: m.address, request, from, replyTo });
        return;
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
      bounded(this.sessions, source);
      this.sessions.set(source, now);
      this.say('info', `OSC control session opened by ${from}`);
      return { status: 'ok', data: 'ok' };
    }
    recent.push(now);
    bounded(this.badPasscodes, source);
    this.badPasscodes.set(source, recent);
    this.refuse('denied', source, `${from}: wrong passcode in /connect`);
    return { status: 'denied', data: 'badpass' };
  }
}
