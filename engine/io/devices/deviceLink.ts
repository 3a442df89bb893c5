/**
 * One connection to an external device (a vision mixer, a playout server, an audio console…), kept
 * up for the whole show: it connects, reconnects with back-off after a failure or a drop, and reports
 * its health and state as a `DeviceState` for the console. Every kind of device uses it the same way:
 * the kind supplies a `DeviceConnector` that opens one session; the link does the rest.
 *
 * Nothing here blocks: `run` starts a command and returns at once, its outcome is logged and shown;
 * a command for a device that is down is dropped with a warning, never queued (a clip or a cut that
 * arrives late is worse than one that never comes). One device failing never touches another.
 */
import { asyncScheduler, BehaviorSubject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { type Backoff, DEFAULT_BACKOFF, retryDelayMs } from '../../core/devices/backoff.js';
import { createLogger, type Logger } from '../../core/log.js';
import type { DeviceState } from '../../core/protocol/devices.js';

/** What a session tells its link while it is open. */
export interface DeviceReporter {
  /** The connection is gone (call at most once per session; later calls are ignored). */
  lost(reason: string): void;
  /** Updates facts the console shows (program scene, transition…); `null` clears one. */
  facts(patch: Readonly<Record<string, string | number | boolean | null>>): void;
  /** Names the show uses that the device does not have (replaces the previous list). */
  problems(list: readonly string[]): void;
}

/** One open connection. */
export interface DeviceSession {
  /** Closes this connection and stops its timers. Never rejects. */
  close(): Promise<void>;
}

/** Opens sessions to one device. */
export interface DeviceConnector<S extends DeviceSession> {
  readonly kind: string;
  readonly id: string;
  readonly label: string;
  /** `host:port`, for the console and messages. */
  readonly address: string;
  /** What to check when the device does not answer at all (added to the timeout message). */
  readonly timeoutHint?: string;
  /**
   * Opens one session; resolves once commands can be sent (the device answered, its inventory was
   * read and checked). Rejects with an error whose message says what to check. When `signal` aborts
   * (the attempt timed out, the engine stops), it gives the attempt up and frees what it opened.
   */
  open(report: DeviceReporter, signal: AbortSignal): Promise<S>;
  /** Frees what the connector keeps between sessions (a library client), when the link stops. */
  dispose?(): Promise<void>;
}

/** Timing of a link. */
export interface DeviceLinkOptions {
  readonly backoff?: Backoff;
  /** Give up on an attempt after this long (default 5 s). */
  readonly connectTimeoutMs?: number;
  readonly log?: Logger;
}

/** Counters. */
export interface DeviceLinkStats {
  sent: number;
  failed: number;
  /** Commands dropped because the device was down. */
  dropped: number;
  /** Sessions opened. */
  connects: number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Keeps one device connected and reports how it is doing. */
export class DeviceLink<S extends DeviceSession> {
  private readonly subject: BehaviorSubject<DeviceState>;
  /** Every change of the device's state (hot; replays the current one). */
  readonly state$: Observable<DeviceState>;
  readonly stats: DeviceLinkStats = { sent: 0, failed: 0, dropped: 0, connects: 0 };
  private current: S | null = null;
  private generation = 0;
  private timer: Subscription | undefined;
  private attemptAbort: AbortController | undefined;
  private stopped = false;
  private started = false;
  private problems: readonly string[] = [];
  private lastCommandError: string | null = null;
  private readonly backoff: Backoff;
  private readonly connectTimeoutMs: number;
  private readonly log: Logger;

  constructor(
    private readonly connector: DeviceConnector<S>,
    options: DeviceLinkOptions = {},
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.log = options.log ?? createLogger(`io/devices/${connector.kind}`);
    this.subject = new BehaviorSubject<DeviceState>({
      id: connector.id,
      kind: connector.kind,
      label: connector.label,
      address: connector.address,
      health: 'off',
      detail: null,
      sinceMs: scheduler.now(),
      retryAtMs: null,
      attempts: 0,
      facts: {},
      problems: [],
    });
    this.state$ = this.subject.asObservable();
  }

  /** The device's state now. */
  get state(): DeviceState {
    return this.subject.value;
  }

  /** The open session, or null while the device is down. */
  get session(): S | null {
    return this.current;
  }

  private get name(): string {
    return `${this.connector.kind} '${this.connector.id}' (${this.connector.address})`;
  }

  private set(patch: Partial<DeviceState>): void {
    const before = this.subject.value;
    const next = { ...before, ...patch };
    if (patch.health !== undefined && patch.health !== before.health) next.sinceMs = this.scheduler.now();
    this.subject.next(next);
  }

  /** The health an open session has: degraded while something is wrong. */
  private upHealth(): Pick<DeviceState, 'health' | 'detail'> {
    // The last failed command first: it is what just went wrong on the show.
    if (this.lastCommandError !== null) return { health: 'degraded', detail: this.lastCommandError };
    if (this.problems.length > 0) return { health: 'degraded', detail: `${this.problems.length} name${this.problems.length === 1 ? '' : 's'} in the show not found on the device` };
    return { health: 'connected', detail: null };
  }

  /** Starts connecting (once). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.attempt();
  }

  private attempt(): void {
    if (this.stopped) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    const generation = ++this.generation;
    if (this.state.attempts === 0 && this.state.health === 'off') this.set({ health: 'connecting', detail: null, retryAtMs: null });
    let settled = false;
    const report: DeviceReporter = {
      lost: (reason) => {
        if (generation !== this.generation || this.current === null) return;
        const lostSession = this.current;
        this.current = null;
        void lostSession.close().catch(() => undefined);
        this.log.warn(`${this.name}: connection lost (${reason}); retrying`);
        this.retry(`connection lost: ${reason}`, 1);
      },
      facts: (patch) => {
        if (generation !== this.generation) return;
        const facts = { ...this.state.facts };
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete facts[k];
          else facts[k] = typeof v === 'string' ? v.slice(0, 200) : v;
        }
        this.set({ facts });
      },
      problems: (list) => {
        if (generation !== this.generation) return;
        this.problems = list.map((p) => p.slice(0, 300)).slice(0, 50);
        for (const p of this.problems) this.log.warn(`${this.name}: ${p}`);
        this.set({ problems: [...this.problems], ...(this.current !== null ? this.upHealth() : {}) });
      },
    };
    const abort = new AbortController();
    this.attemptAbort = abort;
    const timeout = this.scheduler.schedule(() => {
      if (settled || generation !== this.generation) return;
      settled = true;
      abort.abort();
      const hint = this.connector.timeoutHint;
      this.fail(`no answer within ${(this.connectTimeoutMs / 1000).toFixed(1)} s${hint !== undefined ? ` (${hint})` : ''}`);
    }, this.connectTimeoutMs);
    let opening: Promise<S>;
    try {
      opening = this.connector.open(report, abort.signal);
    } catch (err) {
      opening = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    opening.then(
      (session) => {
        timeout.unsubscribe();
        if (settled || generation !== this.generation || this.stopped) {
          void session.close().catch(() => undefined);
          return;
        }
        settled = true;
        this.current = session;
        this.stats.connects++;
        this.lastCommandError = null;
        const was = this.state.attempts;
        this.set({ ...this.upHealth(), retryAtMs: null, attempts: 0 });
        this.log.info(`${this.name}: connected${was > 0 ? ` after ${was} failed attempt${was === 1 ? '' : 's'}` : ''}`);
      },
      (err: unknown) => {
        timeout.unsubscribe();
        if (settled || generation !== this.generation) return;
        settled = true;
        this.fail(message(err));
      },
    );
  }

  private fail(reason: string): void {
    // Anything this attempt opens late is closed (its generation is over).
    this.generation++;
    this.retry(reason, this.state.attempts + 1);
  }

  private retry(reason: string, attempts: number): void {
    if (this.stopped) return;
    const delay = retryDelayMs(attempts, this.backoff);
    if (attempts === 1 || attempts % 10 === 0) this.log.warn(`${this.name}: ${reason}; attempt ${attempts + 1} in ${delay} ms`);
    else this.log.debug(`${this.name}: ${reason}; attempt ${attempts + 1} in ${delay} ms`);
    this.set({ health: 'retrying', detail: reason.slice(0, 300), retryAtMs: this.scheduler.now() + delay, attempts });
    this.timer?.unsubscribe();
    this.timer = this.scheduler.schedule(() => this.attempt(), delay);
  }

  /**
   * Runs a command on the open session without waiting for it. Returns false (and logs) when the
   * device is down; a command that fails is logged, counted and shown as the device's detail.
   * `quiet` logs a dropped command at debug level only.
   */
  run(what: string, command: (session: S) => Promise<unknown>, options: { readonly quiet?: boolean } = {}): boolean {
    const session = this.current;
    if (session === null) {
      this.stats.dropped++;
      // `quiet`: a command that is redone when the device is back (a preview) is not worth a warning.
      const line = `${this.name}: not sent (${what}): the device is ${this.state.health === 'off' ? 'not started' : 'down'}`;
      if (options.quiet === true) this.log.debug(line);
      else this.log.warn(line);
      return false;
    }
    let started: Promise<unknown>;
    try {
      started = command(session);
    } catch (err) {
      started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    started.then(
      () => {
        this.stats.sent++;
        if (this.lastCommandError !== null && this.current === session) {
          this.lastCommandError = null;
          this.set(this.upHealth());
        }
      },
      (err: unknown) => {
        this.stats.failed++;
        this.lastCommandError = `${what} failed: ${message(err)}`.slice(0, 300);
        this.log.warn(`${this.name}: ${this.lastCommandError}`);
        if (this.current === session) this.set(this.upHealth());
      },
    );
    return true;
  }

  /** Stops retrying and closes the session; the state goes `off`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    this.timer?.unsubscribe();
    this.attemptAbort?.abort();
    const session = this.current;
    this.current = null;
    if (session !== null) await session.close().catch(() => undefined);
    await this.connector.dispose?.().catch(() => undefined);
    this.set({ health: 'off', detail: null, retryAtMs: null });
    this.subject.complete();
  }
}
