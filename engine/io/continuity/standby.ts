/**
 * A hot standby (`precue run <show> --backup-of <host:port>`): follows its primary over the console
 * protocol (`PrimaryConnection`), brings its own show in line one mirror step at a time
 * (`nextMirrorStep`), and sends sACN below the primary's priority, Art-Net and USB silent, so that
 * receivers take the primary while it lives. When the primary is lost (its connection closes: a kill;
 * or it falls silent: a pulled cable) the standby takes control at once: its sACN goes above the
 * primary's priority — receivers switch at the next packet, from the look the standby already has —
 * its other outputs speak, and each department gets back the primary's mode. A primary that comes
 * back does not take the stage back: an operator hands it back (`hand-back`), and only when both
 * engines stand at the same cues.
 */
import type { ShowFile } from '../../core/show/schema.js';
import { nextMirrorStep, standbyPriority, takeoverPriority, mirrorDifferences, type MirrorView, type MirrorStep } from '../../core/continuity/mirror.js';
import type { ContinuityRecord } from '../../core/continuity/record.js';
import type { Logger } from '../../core/log.js';
import type { ConsoleCommand } from '../../core/protocol/messages.js';
import type { CommandResult } from '../../core/protocol/port.js';
import type { DeptMode, EngineSnapshot } from '../../core/protocol/state.js';
import type { PrimaryLink } from '../../core/protocol/continuity.js';
import type { OutputMode } from '../frameClock/protocol.js';
import { PrimaryConnection } from './primaryLink.js';

/** A difference the primary did not just make (its cue there did not change) is left this long first: an auto-follow on both sides lands a few ms apart. */
export const MIRROR_SETTLE_MS = 500;
/** How often a following standby re-checks that it agrees with its primary. */
const RECONCILE_MS = 100;
/** Steps applied at most per check (a long catch-up continues at the next). */
const MAX_STEPS = 64;

/** What a standby acts on: narrow, built by the composition root. */
export interface StandbyParts {
  readonly show: ShowFile;
  /** The standby's own state, as mirroring compares it. */
  readonly local: () => MirrorView;
  /** Carries out a command as the console would, from `who`. */
  readonly carryOut: (command: ConsoleCommand, who: string) => CommandResult;
  /** Puts a department at a cue without firing it. */
  readonly restore: (dept: string, cue: string | null) => void;
  readonly blackout: (on: boolean, who: string) => void;
  /** How the outputs speak. */
  readonly outputs: { setOutputMode(mode: OutputMode): void };
  readonly record: ContinuityRecord;
  /** The engine clock (ms). */
  readonly now: () => number;
  readonly log: Logger;
}

/** The output mode of a standby that follows (`inControl` false) or has taken control. */
export function standbyOutputMode(show: ShowFile, inControl: boolean): OutputMode {
  const sacnPriority: Record<number, number> = {};
  for (const u of show.outputs.universes) {
    if (u.driver.kind === 'sacn') sacnPriority[u.id] = inControl ? takeoverPriority(u.driver.priority) : standbyPriority(u.driver.priority);
  }
  return { sacnPriority, silenceNonSacn: !inControl };
}

function outputsRecord(mode: OutputMode): { sacnPriority: number | null; silent: boolean } {
  const priorities = Object.values(mode.sacnPriority);
  return { sacnPriority: priorities.length === 0 ? null : Math.max(...priorities), silent: mode.silenceNonSacn };
}

/** The view mirroring compares, from a console snapshot. */
export function mirrorViewOf(s: EngineSnapshot): MirrorView {
  return {
    depts: s.depts.map((d) => ({ id: d.id, current: d.current, standby: d.standby, held: d.held, panicked: d.panicked })),
    panic: s.panic,
    blackout: s.blackout,
    grandMaster: s.grandMaster,
  };
}

/** A hot standby following its primary. */
export class Standby {
  private readonly link: PrimaryConnection;
  private role: 'standby' | 'in-control' = 'standby';
  private linkState: PrimaryLink;
  private timer: ReturnType<typeof setInterval> | undefined;
  private catchUp = true;
  /** Per department: the primary's cue at the last check, and since when ours differs. */
  private readonly primaryCue = new Map<string, string | null>();
  private readonly differsSince = new Map<string, number>();
  private readonly who: string;

  constructor(
    address: string,
    token: string,
    private readonly parts: StandbyParts,
  ) {
    this.who = `primary ${address}`;
    this.linkState = { address, link: 'connecting', detail: `connecting to ${address}`, lastSeenMs: null, differences: [] };
    this.link = new PrimaryConnection(address, token, {
      onState: (snapshot, fresh) => this.onState(snapshot, fresh),
      onLink: (link, detail) => this.onLink(link, detail),
    }, { log: parts.log });
    parts.record.handleControl((command, who) => (command === 'take-control' ? this.takeControl(`taken by ${who}`) : this.handBack(who)));
  }

  /** Starts following: outputs deferring to the primary, every department in manual (the primary's model decides), the link open. */
  start(): void {
    this.parts.outputs.setOutputMode(standbyOutputMode(this.parts.show, false));
    this.manualEverywhere();
    this.publish();
    this.link.start();
    this.timer = setInterval(() => this.reconcile(), RECONCILE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.link.stop();
  }

  /** Takes the outputs now (the primary is lost, or an operator says so). */
  takeControl(reason: string): CommandResult {
    if (this.role === 'in-control') return { ok: false, code: 'conflict', message: 'this engine already has control' };
    this.role = 'in-control';
    const mode = standbyOutputMode(this.parts.show, true);
    this.parts.outputs.setOutputMode(mode);
    // Each department runs as it ran on the primary (its model, if any, decides again here).
    const primary = this.link.snapshot;
    if (primary !== null) {
      for (const d of primary.depts) this.setMode(d.id, d.mode);
    } else {
      for (const d of this.parts.show.departments) this.setMode(d.id, d.mode);
    }
    this.parts.log.warn(`took control (${reason}): sACN at priority ${outputsRecord(mode).sacnPriority ?? '-'}${mode.silenceNonSacn ? '' : ', Art-Net/USB sending'}`);
    this.parts.record.update({ tookControl: { atMs: this.parts.now(), reason: reason.slice(0, 300) } });
    this.publish();
    return { ok: true, detail: 'this engine has control' };
  }

  /** Gives the outputs back to a primary that is following-able and at the same cues. */
  handBack(who: string): CommandResult {
    if (this.role !== 'in-control') return { ok: false, code: 'conflict', message: 'this standby is not in control; there is nothing to hand back' };
    const primary = this.link.snapshot;
    if (this.linkState.link !== 'following' || primary === null) return { ok: false, code: 'conflict', message: `the primary at ${this.linkState.address} is not answering (${this.linkState.detail}); it cannot take the show back` };
    const differences = mirrorDifferences(mirrorViewOf(primary), this.parts.local());
    if (differences.length > 0) return { ok: false, code: 'conflict', message: `bring the primary to the same cues first: ${differences.join('; ')}`.slice(0, 500) };
    this.role = 'standby';
    this.parts.outputs.setOutputMode(standbyOutputMode(this.parts.show, false));
    this.manualEverywhere();
    this.catchUp = false;
    this.parts.log.warn(`handed the outputs back to the primary at ${this.linkState.address} (${who}); following it again`);
    this.parts.record.update({ tookControl: null });
    this.publish();
    return { ok: true, detail: 'following the primary again' };
  }

  private onLink(link: PrimaryLink['link'], detail: string): void {
    this.linkState = { ...this.linkState, link, detail: detail.slice(0, 300) };
    if (link === 'following') this.catchUp = this.role === 'standby';
    if (link === 'lost') {
      this.parts.log.warn(`primary ${this.linkState.address} lost: ${detail}`);
      if (this.role === 'standby') this.takeControl(`primary lost: ${detail}`);
    } else if (link === 'refused') this.parts.log.error(`primary ${this.linkState.address}: ${detail}`);
    else this.parts.log.info(`primary ${this.linkState.address}: ${detail}`);
    this.publish();
  }

  private onState(_snapshot: EngineSnapshot, fresh: boolean): void {
    if (fresh && this.role === 'standby') this.catchUp = true;
    this.reconcile();
  }

  /** Brings the standby in line with the primary (following only), and refreshes the record. */
  private reconcile(): void {
    const primary = this.link.snapshot;
    if (primary === null || this.linkState.link !== 'following') return;
    const now = this.parts.now();
    if (this.role === 'standby') {
      let last = '';
      for (let i = 0; i < MAX_STEPS; i++) {
        const local = this.parts.local();
        const step = nextMirrorStep(this.settled(mirrorViewOf(primary), local, now), local, this.catchUp, (dept) => this.cueNumbers(dept));
        // A step that changed nothing (refused, or taking effect later) is not repeated in this check.
        if (step === undefined || JSON.stringify(step) === last) break;
        last = JSON.stringify(step);
        this.apply(step);
      }
      this.catchUp = false;
    }
    const p = mirrorViewOf(primary);
    for (const d of p.depts) this.primaryCue.set(d.id, d.current);
    const differences = mirrorDifferences(p, this.parts.local()).slice(0, 64);
    if (JSON.stringify(differences) !== JSON.stringify(this.linkState.differences)) {
      this.linkState = { ...this.linkState, differences };
      this.publish();
    }
  }

  /**
   * The primary's view with the differences it did not just make held back for `MIRROR_SETTLE_MS`
   * (both engines auto-follow; the one a few ms behind is not dragged back and forth).
   */
  private settled(primary: MirrorView, local: MirrorView, now: number): MirrorView {
    if (this.catchUp) return primary;
    const mine = new Map(local.depts.map((d) => [d.id, d]));
    return {
      ...primary,
      depts: primary.depts.map((p) => {
        const l = mine.get(p.id);
        if (l === undefined || p.current === l.current) {
          this.differsSince.delete(p.id);
          return p;
        }
        const since = this.differsSince.get(p.id) ?? now;
        this.differsSince.set(p.id, since);
        const primaryMoved = this.primaryCue.has(p.id) && this.primaryCue.get(p.id) !== p.current;
        return primaryMoved || now - since >= MIRROR_SETTLE_MS ? p : { ...p, current: l.current };
      }),
    };
  }

  private apply(step: MirrorStep): void {
    switch (step.kind) {
      case 'restore':
        this.parts.restore(step.dept, step.cue);
        return;
      case 'blackout':
        this.parts.blackout(step.on, this.who);
        return;
      case 'command': {
        const result = this.parts.carryOut(step.command, this.who);
        if (!result.ok) this.parts.log.warn(`mirroring the primary: ${step.command.type} refused here (${result.message})`);
        return;
      }
    }
  }

  private cueNumbers(dept: string): readonly string[] {
    const d = this.parts.show.departments.find((x) => x.id === dept);
    return d === undefined ? [] : d.cues.map((c) => c.number);
  }

  private setMode(dept: string, mode: DeptMode): void {
    const current = this.parts.local().depts.find((d) => d.id === dept);
    if (current === undefined) return;
    this.parts.carryOut({ type: 'set-mode', dept, mode }, this.who);
  }

  private manualEverywhere(): void {
    for (const d of this.parts.show.departments) this.parts.carryOut({ type: 'set-mode', dept: d.id, mode: 'manual' }, `standby of ${this.linkState.address}`);
  }

  private publish(): void {
    const mode = standbyOutputMode(this.parts.show, this.role === 'in-control');
    const lastSeen = this.link.lastSeenAt;
    this.parts.record.update({
      role: this.role,
      // The link times on performance.now(); the console reads engine time.
      primary: { ...this.linkState, lastSeenMs: lastSeen === 0 ? null : this.parts.now() - (performance.now() - lastSeen) },
      outputs: outputsRecord(mode),
    });
  }
}
