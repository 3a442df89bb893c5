/**
 * The one cue policy: what the listening stage, the score follower and the network say, and what the
 * operator has done, turned into decisions — arm a cue for a moment, hold it back, fire it — each with
 * a reason a technical director can read. The live engine, `precue eval`, training's calibration and
 * the ablations all decide through this class and its one table of numbers (`numbers.ts`); nothing
 * else holds a copy of a rule or a threshold.
 *
 * Two halves, one object:
 * - `propose` (called by the predictor on every feature hop) turns the evidence into one proposal per
 *   department: which cue, when, how confident, and why. It is stateful only in what it remembers of
 *   the last beat's network vote and of an armed network fire that must stand until its moment.
 * - `gate` (called by the arbiter) says whether a proposal may be armed and fired now, given the
 *   department's mode and the operator's state; it is pure.
 *
 * The follower leads: its next cue, due by the next tracked beat, is proposed at the follower's own
 * time — except an open entry (a cue the rehearsals disagree on the moment of, as after a vamp the
 * band ends when the singer comes in), which is armed for a person and never fired by the model.
 * Where a department uses the network's vote, the network confirms or vetoes that cue on the beat
 * it was asked about, and may fire on its own where the follower expects nothing; where it does not
 * (training found it no better than the follower alone on held-out rehearsal data), the department
 * runs on the follower alone and every proposal says so.
 */
import { compareCueNumbers, type CueId } from '../ids.js';
import type { AutomationMode } from '../show/schema.js';
import { calibratedFollowerConfidence, certaintyOf, DEFAULT_POLICY_NUMBERS, type ConfidenceTable, type DeptPolicy, type PolicyNumbers } from './numbers.js';

/**
 * Which voters the policy listens to: `model` (each department as training chose), or one of the
 * ablations `precue eval` reports beside it — `followerOnly` (the network's outputs replaced by the
 * follower's expectation) and `networkOnly` (the follower's evidence ignored; the network still hears
 * whatever inputs it was trained with).
 */
export type PolicyVotes = 'model' | 'followerOnly' | 'networkOnly';

/** One department's network outputs for the next beat. */
export interface NetVote {
  /** Chance that the department's next cue goes on the next beat. */
  readonly fire: number;
  /** Vocabulary index of the most likely next cue. */
  readonly cueIndex: number;
  /** Predicted beats until the next cue (≥ 1). */
  readonly beatsToNext: number;
}

/** The beat the network last stepped on. */
export interface PolicyBeat {
  readonly t: number;
  /** The predicted next beat: what the network's vote is about. */
  readonly nextBeatT: number;
  readonly periodS: number;
  /** 0-based position in the bar, beats per bar and bar count, for the reasons. */
  readonly beatInBar: number;
  readonly beatsPerBar: number;
  readonly barIndex: number;
}

/** What the score follower says, as of its latest hop. */
export interface FollowerView {
  /**
   * The department's next cue in the rehearsal (vocabulary index; not passed by more than half a
   * beat of `periodS`) and when, through the follower's position and local tempo, it falls live;
   * `open` when the rehearsals disagree on when it comes (`openCues`: the band decides on the night).
   */
  nextCue(deptIndex: number, periodS: number): { readonly index: number; readonly when: number; readonly ordinal?: number; readonly open?: boolean } | undefined;
  /**
   * How sure the follower is of its position (absent: the policy takes it as placed): its match (0:
   * the live sounds just like the rehearsal where it is; about 1: no more like it than like anywhere)
   * and, once it has followed `windowS` seconds without a jump, the rehearsal seconds it moved through
   * per live second over them.
   */
  placement?(windowS: number): { readonly match: number; readonly rate?: number; readonly loop?: { readonly backS: number; readonly aheadS: number }; readonly quiet?: boolean; readonly held?: boolean } | undefined;
  /** Whether the followed rehearsal's first cue went on the band's first attack (`opensOnAttack`). */
  readonly opensOnAttack?: boolean;
  /** Seconds from the followed rehearsal's first clear attack to its first cue, where the band entered before it (`entryLeadS`). */
  readonly entryLeadS?: number | undefined;
  /** Whether the department's first cue in the rehearsal went at its opening moment (the first cue of any department). */
  opensWith?(deptIndex: number): boolean;
}

/** What the policy proposes for one department, in the audio time base (seconds). */
export interface Proposal {
  readonly dept: string;
  readonly cue: string;
  /** 0..1, on the common scale (a department's fire point reads as `fireThreshold`). */
  readonly confidence: number;
  /** When the cue should fire (audio seconds). */
  readonly fireAt: number;
  /** Why, in one line. */
  readonly reason: string;
  /**
   * Set when the follower is lost (why, in one line): the department must not fire on its own; in
   * `auto` it falls back to `assist` (armed, a person confirms) until the follower re-locks.
   */
  readonly lost?: string;
  /**
   * Set while a follower's cue waits for the band's attack (why, in one line): armed, so the console
   * counts down and a person may confirm, but the model does not fire it until the attack is heard.
   */
  readonly awaiting?: string;
  /**
   * Set on an open entry (why, in one line; `openCues`: the rehearsals disagree on when it comes):
   * armed and counted down, but never fired by the model — a person GOes it on the entry.
   */
  readonly open?: string;
}

/** What the policy needs to know about the listening so far. */
export interface ListeningView {
  /** Audio time of the latest frame. */
  readonly now: number;
  /** When the show was heard to start (the music, or an opening that sounds like the rehearsal's), if it has. */
  readonly musicStartedAt: number | undefined;
  /** Why it counts as started, for the reasons. */
  readonly startedBy?: string;
  /** Whether the department has fired any cue yet (its start cue is offered until it has). */
  hasFired(dept: string): boolean;
  /** Audio time of the latest attack heard (`AttackDetector`), if any. */
  readonly lastAttackAt?: number;
  /**
   * The latest clear attack that came out of quiet (`ClearAttacks.outOfQuietAt`: well above the second
   * before it, and no other such attack in that second), if any: a band's entry after silence, the
   * room's noise or a crowd.
   */
  readonly entryAttackAt?: number;
  /** A drummer's count-in heard (`CountIn`): when the band comes in, and why. */
  readonly countIn?: { readonly one: number; readonly beatS: number; readonly why: string };
  /**
   * The band's level now, the loudest heard lately (a slowly falling peak) and the loudest since a
   * moment (within the last second), dBFS: whether it sounds on through a cue's moment.
   */
  readonly level?: { readonly nowDb: number; readonly peakDb: number; loudestSince(t: number): number };
}

/** The operator's side of one department, as the arbiter knows it. */
export interface OperatorView {
  readonly mode: AutomationMode;
  /** May the model fire here at all (the show can keep it to some departments). */
  readonly modelAllowed: boolean;
  readonly panicked: boolean;
  readonly held: boolean;
  /** Engine ms until which a manual GO locks the model out, or null. */
  readonly lockoutUntilMs: number | null;
  /** The show's threshold for this department (applied on top of the policy's own). */
  readonly confidenceThreshold: number;
  /** The live cue and when it went (engine ms), or null. */
  readonly current: CueId | null;
  readonly currentSinceMs: number | null;
  /** A cue the operator rejected, still pending. */
  readonly rejectedCue: CueId | null;
  /** The department's minimum time between two GOs (playback drops a closer one). */
  readonly minGoIntervalMs: number;
  /** Where a person last moved the department (GO, GOTO, BACK), until the model fires there again, or null. */
  readonly operatorCue: CueId | null;
}

/**
 * A department's fire output rescaled so that its calibrated point `own` reads as `common` (piecewise
 * linear, 0 and 1 fixed): above its own threshold a department reads above the common one.
 */
export function calibratedConfidence(raw: number, own: number | undefined, common: number): number {
  if (own === undefined || !(own > 0 && own < 1) || !(common > 0 && common < 1)) return raw;
  return raw < own ? (raw / own) * common : common + ((raw - own) / (1 - own)) * (1 - common);
}

interface DeptMemory {
  /** The network's vote at the last beat (after the ablation's replacement). */
  vote: NetVote | undefined;
  /** A network fire armed for a moment still to come: it stands while the model, a beat on, no longer calls it. */
  armed: Proposal | undefined;
  /** The follower's cue waiting for the band's attack (`unlessFallingSilent`); after a break it goes on the band's return (`afterBreak`). */
  waiting: { cue: string; fireAt: number; returnAt?: number } | undefined;
  /** The cue last confirmed by an attack, and when (audio seconds). */
  heard: { cue: string; at: number } | undefined;
}

/** The one cue policy. Not thread-safe; one per pipeline. */
export class CuePolicy {
  readonly numbers: PolicyNumbers;
  private readonly memory: DeptMemory[];
  private beat: PolicyBeat | undefined;
  /** Why the follower is lost, and since when its placement has looked good again (for `relockS`), or undefined while it is placed. */
  private lost: { why: string; goodSince: number | undefined } | undefined;
  /** The latest attack heard (audio seconds), as of the last `propose`. */
  private attackAt: number | undefined;
  /** When the follower last held through a quiet hop (a break), audio seconds. */
  private quietAt: number | undefined;
  /** The band's level, as of the last `propose`. */
  private level: ListeningView['level'];

  constructor(
    readonly depts: readonly string[],
    readonly vocab: Readonly<Record<string, readonly string[]>>,
    readonly deptPolicies: Readonly<Record<string, DeptPolicy>>,
    numbers: PolicyNumbers = DEFAULT_POLICY_NUMBERS,
    readonly votes: PolicyVotes = 'model',
    /** The follower's calibration (training, on held-out rehearsal takes); absent: its proposals read 100%. */
    readonly confidenceTable?: ConfidenceTable,
  ) {
    this.numbers = numbers;
    this.memory = depts.map(() => ({ vote: undefined, armed: undefined, waiting: undefined, heard: undefined }));
  }

  /** Starts over (a new take). */
  reset(): void {
    this.beat = undefined;
    this.lost = undefined;
    this.attackAt = undefined;
    this.quietAt = undefined;
    for (const m of this.memory) {
      m.vote = undefined;
      m.armed = undefined;
      m.waiting = undefined;
      m.heard = undefined;
    }
  }

  /** Whether the network's vote counts in a department (per the ablation, else as training chose). */
  usesNetwork(deptIndex: number): boolean {
    switch (this.votes) {
      case 'followerOnly':
        return false;
      case 'networkOnly':
        return true;
      case 'model':
        return this.deptPolicies[this.depts[deptIndex]!]?.useNetwork ?? true;
    }
  }

  /** Whether the policy hears the follower at all. */
  private hearsFollower(): boolean {
    return this.votes !== 'networkOnly';
  }

  private periodS(): number {
    return this.beat?.periodS ?? this.numbers.defaultPeriodS;
  }

  private confidence(deptIndex: number, raw: number): number {
    return calibratedConfidence(raw, this.deptPolicies[this.depts[deptIndex]!]?.firePoint, this.numbers.fireThreshold);
  }

  private where(t: number): string {
    const b = this.beat;
    if (b === undefined) return `at ${t.toFixed(2)} s`;
    const perBar = Math.max(1, b.beatsPerBar);
    const pos = b.beatInBar + Math.round((t - b.t) / b.periodS);
    return `beat ${(((pos % perBar) + perBar) % perBar) + 1} of bar ${b.barIndex + 1 + Math.floor(pos / perBar)}`;
  }

  /**
   * A new beat: the network's outputs for the next beat (one per department). Where a department runs
   * on the follower alone, its vote becomes the follower's expectation (1 when the follower's next cue
   * lies on the next beat, else 0).
   */
  onBeat(beat: PolicyBeat, outputs: readonly NetVote[], follower: FollowerView | undefined): void {
    this.beat = beat;
    this.memory.forEach((m, i) => {
      const own = outputs[i];
      if (this.usesNetwork(i) || !this.hearsFollower()) {
        m.vote = own;
        return;
      }
      const next = follower?.nextCue(i, beat.periodS);
      const onBeat = next !== undefined && Math.abs(next.when - beat.nextBeatT) <= this.numbers.followAgreeBeats * beat.periodS;
      m.vote = {
        fire: onBeat ? 1 : 0,
        cueIndex: next?.index ?? own?.cueIndex ?? 0,
        beatsToNext: next === undefined ? (own?.beatsToNext ?? 1) : Math.max(1, Math.round((next.when - beat.nextBeatT) / beat.periodS) + 1),
      };
    });
  }

  /**
   * The current proposal of every department, given the follower's view (absent: no follower) and the
   * listening so far. Before the first beat only the start cues, once the music has started.
   */
  propose(follower: FollowerView | undefined, listening: ListeningView): Proposal[] {
    this.attackAt = listening.lastAttackAt;
    this.level = listening.level;
    const lost = this.hearsFollower() ? this.followerLost(follower, listening.now) : undefined;
    const sure = this.followerConfidence(follower);
    const out: Proposal[] = [];
    this.depts.forEach((dept, i) => {
      // The show's opening as heard stands on its own evidence, not on the follower's place or certainty.
      const opening = this.openingProposal(dept, i, follower, listening);
      if (opening !== undefined) {
        out.push(opening);
        return;
      }
      this.waitThroughBreak(dept, i, follower, listening.now);
      let p = this.startProposal(dept, i, follower, listening) ?? this.afterBreak(dept, i, listening.now) ?? (this.beat === undefined ? undefined : this.deptProposal(dept, i, listening.musicStartedAt !== undefined ? follower : undefined, listening.now));
      if (p === undefined) return;
      if (sure !== undefined && !this.usesNetwork(i) && sure.confidence < p.confidence) p = { ...p, confidence: sure.confidence, reason: `${p.reason} (${sure.why})` };
      out.push(lost === undefined ? p : { ...p, lost });
    });
    return out;
  }

  /**
   * What the follower's certainty now is worth, by the model's calibration on held-out rehearsal
   * takes: a proposal of a department that runs on the follower alone is never more confident than
   * that (where the network votes, its own calibrated fire point speaks). Undefined without a
   * calibration or a follower.
   */
  private followerConfidence(follower: FollowerView | undefined): { confidence: number; why: string } | undefined {
    const table = this.confidenceTable;
    if (table === undefined || !this.hearsFollower()) return undefined;
    const match = follower?.placement?.(this.numbers.stallWindowS)?.match;
    if (match === undefined || Number.isNaN(match)) return undefined;
    const certainty = certaintyOf(match);
    const confidence = calibratedFollowerConfidence(table, certainty);
    return { confidence, why: `follower certainty ${certainty.toFixed(2)}: calibrated ${Math.round(confidence * 100)}% on ${table.on}` };
  }

  /** Why the follower is lost as of `now` (undefined while it is placed); see `lostMatch` … `vampExitBeats`. */
  followerLost(follower: FollowerView | undefined, now: number): string | undefined {
    const place = follower?.placement?.(this.numbers.stallWindowS);
    if (place === undefined || Number.isNaN(place.match)) return this.lost?.why;
    const n = this.numbers;
    // A break: nothing fires until the band plays again (no re-lock wait after). The quiet flag comes
    // per alignment hop: an attack heard since is the band playing again.
    const attackAt = this.attackAt;
    if (place.quiet === true && !(attackAt !== undefined && now - attackAt <= n.attackAfterS)) {
      this.quietAt = now;
      return this.lost?.why ?? 'follower holding: the band has stopped (a break); nothing fires until it plays again';
    }
    // The follower holds its place through a break: its movement counts again a stall window after.
    const afterBreak = this.quietAt !== undefined && now - this.quietAt < n.stallWindowS;
    const periodS = this.periodS();
    const loop = place.loop;
    const why =
      place.match >= n.lostMatch ? `follower lost: the music does not sound like the rehearsal where it places it (match ${place.match.toFixed(2)} ≥ ${n.lostMatch})`
      : place.rate !== undefined && place.rate < n.stallRate && !afterBreak ? `follower lost: it has stopped moving through the rehearsal (${place.rate.toFixed(2)}× over ${n.stallWindowS} s)`
      : loop !== undefined && loop.backS <= n.vampMaxBeats * periodS && loop.aheadS > -n.vampExitBeats * periodS ? `follower lost: the band is vamping (${(loop.backS / periodS).toFixed(0)} beats again); it cannot tell when the next section comes`
      : undefined;
    if (this.lost === undefined) {
      if (why !== undefined) this.lost = { why, goodSince: undefined };
      return this.lost?.why;
    }
    if (why === undefined && place.match <= n.relockMatch) {
      this.lost.goodSince ??= now;
      if (now - this.lost.goodSince >= n.relockS) this.lost = undefined;
    } else {
      this.lost.goodSince = undefined;
      if (why !== undefined) this.lost.why = why;
    }
    return this.lost?.why;
  }

  private cueName(dept: string, index: number): string | undefined {
    const list = this.vocab[dept] ?? [];
    return list[index] ?? list[0];
  }

  /**
   * One department after the first beat (the follower is heard only once the music has started: its
   * position during a walk-in means nothing):
   * 1. the follower's next cue, due by the beat the network votes on, at the follower's time —
   *    confirmed or vetoed by the network where its vote counts;
   * 2. else the network's own fire on the next beat (where its vote counts), which cue named by the
   *    follower when it expects one nearby, at the follower's time for it when that is close;
   * 1b. else the follower's cue further ahead, armed `armLeadS` before its time (an operator in
   *    `assist` sees it coming; the network's vote still comes on the beat before it);
   * 3. else what comes next and when (not armed: the console's countdown).
   */
  private deptProposal(dept: string, i: number, follower: FollowerView | undefined, now: number): Proposal | undefined {
    const b = this.beat!;
    const n = this.numbers;
    const m = this.memory[i]!;
    const vote = m.vote;
    const useNet = this.usesNetwork(i);
    const heard = this.hearsFollower() ? follower : undefined;
    const next = heard?.nextCue(i, b.periodS);
    const threshold = n.fireThreshold;
    const armedStands = m.armed !== undefined && m.armed.fireAt > now ? m.armed : undefined;
    if (m.armed !== undefined && armedStands === undefined) m.armed = undefined;

    const agreeBy = b.nextBeatT + n.followAgreeBeats * b.periodS;
    // 1. The follower's cue, due by the beat the network votes on.
    if (next !== undefined && next.when <= agreeBy) {
      const cue = this.cueName(dept, next.index);
      if (cue !== undefined) {
        const onBeat = Math.abs(next.when - b.nextBeatT) <= n.followAgreeBeats * b.periodS;
        const goes = (p: Proposal): Proposal => (next.open === true ? this.leftOpen(p) : this.unlessFallingSilent(m, p, now));
        if (!useNet || vote === undefined) {
          return goes({ dept, cue, confidence: 1, fireAt: next.when, reason: `follower: cue ${cue} at ${this.where(next.when)}${useNet ? '' : `; ${dept} runs on the follower alone`}` });
        }
        if (!onBeat) return goes({ dept, cue, confidence: 1, fireAt: next.when, reason: `follower: cue ${cue} at ${next.when.toFixed(2)} s, off the beat grid (the network voted on ${this.where(b.nextBeatT)})` });
        const conf = this.confidence(i, vote.fire);
        if (vote.fire >= n.networkVeto) return goes({ dept, cue, confidence: Math.max(conf, threshold), fireAt: next.when, reason: `follower + network agree: cue ${cue} at ${this.where(next.when)}, network ${vote.fire.toFixed(2)}` });
        if (armedStands !== undefined) return armedStands;
        return { dept, cue, confidence: Math.min(conf, threshold * 0.99), fireAt: next.when, reason: `network vetoes the follower's cue ${cue} at ${this.where(next.when)} (${vote.fire.toFixed(2)} < ${n.networkVeto})` };
      }
    }
    const conf = vote === undefined ? 0 : this.confidence(i, vote.fire);
    // 2. The network's own fire on the next beat.
    if (vote !== undefined && useNet && conf >= threshold) {
      const named = next !== undefined && Math.abs(next.when - b.nextBeatT) < n.followNearBeats * b.periodS ? next : undefined;
      const cue = this.cueName(dept, named?.index ?? vote.cueIndex) ?? '';
      const onFollowerTime = named !== undefined && Math.abs(named.when - b.nextBeatT) <= n.followTimingBeats * b.periodS;
      const fireAt = onFollowerTime ? named.when : b.nextBeatT;
      const p: Proposal = {
        dept, cue, confidence: conf, fireAt,
        reason: `network ${vote.fire.toFixed(2)}: cue ${cue}${named !== undefined ? ' (named by the follower)' : ''} at ${this.where(fireAt)}${onFollowerTime ? " on the follower's time" : ''}`,
      };
      // The follower's open entry stays a person's GO, whether the network names it through the follower or on its own.
      if (next?.open === true && next.index === (named?.index ?? vote.cueIndex)) return this.leftOpen(p);
      m.armed = p;
      return p;
    }
    if (armedStands !== undefined) return armedStands;
    // 1b. The follower's cue further ahead, armed `armLeadS` before its time (the network votes on the beat before it).
    if (next !== undefined && next.when <= now + n.armLeadS) {
      const cue = this.cueName(dept, next.index);
      if (cue !== undefined) {
        const p: Proposal = { dept, cue, confidence: 1, fireAt: next.when, reason: `follower: cue ${cue} at ${this.where(next.when)}${useNet && vote !== undefined ? '; the network votes on the beat before it' : useNet ? '' : `; ${dept} runs on the follower alone`}` };
        return next.open === true ? this.leftOpen(p) : this.unlessFallingSilent(m, p, now);
      }
    }
    if (vote === undefined) return undefined;
    // 3. Not armed: what comes next, and when.
    const beats = Math.max(1, Math.round(vote.beatsToNext));
    const cue = this.cueName(dept, next?.index ?? vote.cueIndex) ?? '';
    const fireAt = next?.when ?? b.nextBeatT + (beats - 1) * b.periodS;
    return { dept, cue, confidence: Math.min(conf, threshold * 0.99), fireAt, reason: `next: cue ${cue} at ${this.where(fireAt)}${useNet ? `, network ${vote.fire.toFixed(2)}` : ''}` };
  }

  /**
   * An open entry (the rehearsals disagree on when it comes: the band decides, as at the end of a
   * vamp): armed and counted down at the follower's moment, never fired by the model; in `auto` a
   * person GOes it on the entry.
   */
  private leftOpen(p: Proposal): Proposal {
    return { ...p, open: `cue ${p.cue} is an open entry: the rehearsals disagree on when it comes (the band decides, as after a vamp); GO it on the entry` };
  }

  /**
   * A follower-timed proposal goes at its moment unless the band is falling silent there (in the
   * last `fallWindowS` before it or after it; `fallingSilent`: a break the rehearsal never had); then it waits (armed, not fired by the model)
   * for the band's attack within `attackBeforeS`/`attackAfterS` of its moment, and is remembered for
   * `afterBreak`. An attack heard in that window always lets it go.
   */
  private unlessFallingSilent(m: DeptMemory, p: Proposal, now: number): Proposal {
    const n = this.numbers;
    const a = this.attackAt;
    if (a !== undefined && a >= p.fireAt - n.attackBeforeS && a <= p.fireAt + n.attackAfterS) {
      m.waiting = undefined;
      if (m.heard?.cue !== p.cue || now - m.heard.at >= n.refireMinMs / 1000) m.heard = { cue: p.cue, at: now };
      return { ...p, reason: `${p.reason}, the band's attack heard at ${a.toFixed(2)} s` };
    }
    // The same cue just went on its attack: the follower still offers it as it moves past.
    if (m.heard?.cue === p.cue && now - m.heard.at < n.refireMinMs / 1000) return p;
    // Judged at its moment only: a band that falls quiet between two notes long before it is no break.
    if (now < p.fireAt - n.fallWindowS) return p;
    // The band sounds on: the cue goes at its moment (at once, up to attackAfterS after it).
    const silent = this.fallingSilent(now);
    if (silent === undefined && now <= p.fireAt + n.attackAfterS) {
      m.waiting = undefined;
      return p;
    }
    m.waiting = { cue: p.cue, fireAt: p.fireAt };
    return {
      ...p,
      awaiting: now <= p.fireAt + n.attackAfterS ? `${silent ?? 'the band is falling silent'}: cue ${p.cue} waits for its attack` : `no attack at cue ${p.cue}'s moment and the band fell silent: the model leaves it to the operator, or fires it when the band plays again after a break`,
    };
  }

  /** Why the band sounds as if it is stopping (undefined while it sounds on): see `fallWindowS`. */
  private fallingSilent(now: number): string | undefined {
    const lv = this.level;
    if (lv === undefined) return undefined;
    const n = this.numbers;
    const before = lv.loudestSince(now - n.fallWindowS);
    if (lv.nowDb <= before - n.stopDropDb) return `the band's level fell ${(before - lv.nowDb).toFixed(0)} dB in ${Math.round(n.fallWindowS * 1000)} ms`;
    if (lv.nowDb < lv.peakDb - n.soundingBelowPeakDb) return `the band sounds ${(lv.peakDb - lv.nowDb).toFixed(0)} dB under its level`;
    return undefined;
  }

  /**
   * A break the followed rehearsal does not have: the follower holds its place through it (`held`), so
   * the department's next cue, when it was due within `breakCueWithinS` of music as the band stopped
   * (a band that stops before a section comes back on its downbeat), waits for the band's first attack
   * when it plays again (`afterBreak`), as a cue whose moment fell in the break does. Never an open entry.
   */
  private waitThroughBreak(dept: string, i: number, follower: FollowerView | undefined, now: number): void {
    const m = this.memory[i]!;
    if (m.waiting !== undefined || follower === undefined || !this.hearsFollower()) return;
    if (follower.placement?.(this.numbers.stallWindowS)?.held !== true) return;
    const next = follower.nextCue(i, this.periodS());
    if (next === undefined || next.open === true || next.when - now > this.numbers.breakCueWithinS) return;
    const cue = this.vocab[dept]?.[next.index];
    if (cue !== undefined) m.waiting = { cue, fireAt: now };
  }

  /**
   * A cue that waited for its attack when the band stopped (a break): it goes on the band's first
   * attack when it plays again, whatever the follower, holding or running on through the silence, now
   * says. Without a break before its moment is stale (`staleMs`) it is dropped (the band held a chord:
   * the follower's next cue takes over).
   */
  private afterBreak(dept: string, i: number, now: number): Proposal | undefined {
    const m = this.memory[i]!;
    const w = m.waiting;
    if (w === undefined) return undefined;
    const n = this.numbers;
    const broke = this.quietAt !== undefined && this.quietAt >= w.fireAt - n.attackBeforeS;
    if (!broke) {
      if (now > w.fireAt + n.staleMs / 1000) m.waiting = undefined;
      return undefined;
    }
    const a = w.returnAt ?? (this.attackAt !== undefined && this.attackAt > this.quietAt! ? this.attackAt : undefined);
    if (a === undefined) return { dept, cue: w.cue, confidence: 1, fireAt: now, reason: `cue ${w.cue}: the band stopped at its moment (a break); it goes on the band's first attack`, awaiting: 'waiting for the band to play again' };
    if (now - a > n.staleMs / 1000) {
      m.waiting = undefined;
      return undefined;
    }
    w.returnAt = a;
    return { dept, cue: w.cue, confidence: 1, fireAt: a, reason: `cue ${w.cue} on the band's first attack after the break, at ${a.toFixed(2)} s` };
  }

  /**
   * The show's opening as heard, whatever the follower says (its place and certainty through a walk-in
   * or the room's noise before the band mean nothing). Where the followed rehearsal's opening cue went
   * on the band's entry (`opensOnAttack`: its first clear attack), a department whose first cue went at
   * that moment (`opensWith`) and that has not fired takes its start cue
   * 1. on the one after a drummer's count-in (`CountIn`), counted down from the last click;
   * 2. on the band's first clear attack (`ClearAttacks`): the follower still expects that cue within `startLookaheadS`,
   *    the attack came out of quiet (`entryAttackAt`: not a count-in's second click, not a phrase
   *    going on) and the follower has not stalled (a walk-in it has been hearing for a while, whose
   *    first click is no band).
   */
  private openingProposal(dept: string, i: number, follower: FollowerView | undefined, listening: ListeningView): Proposal | undefined {
    const cue = this.deptPolicies[dept]?.startCue;
    // Only where the rehearsal's opening cue went on the band's entry: a song whose first look comes
    // eight bars in must not get it on the one after the count.
    if (cue === undefined || follower === undefined || !this.hearsFollower() || listening.hasFired(dept) || follower.opensWith?.(i) !== true) return undefined;
    const n = this.numbers;
    const now = listening.now;
    const stale = n.staleMs / 1000;
    const count = listening.countIn;
    // A pickup: the rehearsal's band came in less than `countInPickupBeats` of the count before its first cue, which was the downbeat the count leads to.
    const lead = follower.entryLeadS;
    const pickup = count !== undefined && lead !== undefined && lead < n.countInPickupBeats * count.beatS;
    if (count !== undefined && now <= count.one + stale && (follower.opensOnAttack === true || pickup)) {
      return { dept, cue, confidence: 1, fireAt: count.one, reason: `start cue ${cue} on the one: ${count.why}${pickup && follower.opensOnAttack !== true ? `; the rehearsal's band came in ${lead.toFixed(2)} s before it (a pickup)` : ''}` };
    }
    if (follower.opensOnAttack !== true) return undefined;
    const a = listening.entryAttackAt;
    if (a === undefined || now - a > stale) return undefined;
    const next = follower.nextCue(i, this.periodS());
    if (next === undefined || this.vocab[dept]?.[next.index] !== cue || (next.ordinal ?? 0) !== 0 || next.when - now > n.startLookaheadS) return undefined;
    const rate = follower.placement?.(n.stallWindowS)?.rate;
    if (rate !== undefined && rate < n.stallRate) return undefined;
    return { dept, cue, confidence: 1, fireAt: a, reason: `start cue ${cue} on the band's first attack at ${a.toFixed(2)} s, as the rehearsal opened` };
  }

  /**
   * A department that has not fired yet opens with its start cue, never before the music is heard to
   * start (a song's opening look does not go during the walk-in because a rehearsal's went a second
   * after its recording began). With a follower: when it places the rehearsal's start cue (a cue a bar
   * into a pickup goes on that bar), offered up to `startLookaheadS` ahead as a countdown, at once if
   * that moment has passed. Without one, or once the follower has moved past it: when the music starts,
   * whether or not the beat tracker has found a beat by then.
   */
  private startProposal(dept: string, i: number, follower: FollowerView | undefined, listening: ListeningView): Proposal | undefined {
    const cue = this.deptPolicies[dept]?.startCue;
    const start = listening.musicStartedAt;
    if (cue === undefined || start === undefined || listening.hasFired(dept)) return undefined;
    const n = this.numbers;
    const next = this.hearsFollower() ? follower?.nextCue(i, this.periodS()) : undefined;
    // The follower's time counts only for the rehearsal's own opening cue, not a later cue of the same number.
    if (next !== undefined && this.vocab[dept]?.[next.index] === cue && (next.ordinal ?? 0) === 0) {
      if (next.when - listening.now > n.startLookaheadS) return undefined;
      const fireAt = Math.max(next.when, start);
      return { dept, cue, confidence: 1, fireAt, reason: `start cue ${cue} where the follower places the rehearsal's, at ${fireAt.toFixed(2)} s` };
    }
    if (listening.now - start > n.startWindowS) return undefined;
    return { dept, cue, confidence: 1, fireAt: start, reason: `start cue ${cue}: ${listening.startedBy ?? 'the music started'} at ${start.toFixed(2)} s` };
  }
}

/**
 * Whether a prediction is confident enough to fire: at or above the department's threshold and the
 * policy's own. The gate below asks this; shadow mode asks it too, to score what the model would
 * have fired in `manual` and `assist`.
 */
export function meetsFireThreshold(confidence: number, deptThreshold: number, numbers: PolicyNumbers): boolean {
  return confidence >= deptThreshold && confidence >= numbers.fireThreshold;
}

/** Whether a prediction's moment (`fireMs`) has passed at `audioNowMs` (the audio's clock, lag taken off): the gate refuses it then; shadow mode does not count it. */
export function momentHasPassed(fireMs: number, audioNowMs: number, numbers: PolicyNumbers): boolean {
  return fireMs < audioNowMs - numbers.staleMs;
}

/**
 * Whether the arbiter may arm (and, in `auto`, fire) a prediction now; undefined when it may, else
 * why not. Pure: the operator's state and the policy's numbers in, a verdict out. `lagMs`: how far the
 * listening currently trails the engine clock.
 */
export function gatePrediction(p: { readonly cue: string; readonly confidence: number; readonly fireAt: number }, op: OperatorView, nowMs: number, numbers: PolicyNumbers, lagMs = 0): string | undefined {
  if (!op.modelAllowed) return 'the model may not drive this department';
  if (op.mode === 'manual') return 'manual mode';
  if (op.panicked) return 'PANIC: waiting for an operator';
  if (op.held) return 'held';
  if (op.lockoutUntilMs !== null && nowMs < op.lockoutUntilMs) return 'locked out after a manual GO';
  if (!meetsFireThreshold(p.confidence, op.confidenceThreshold, numbers)) return 'below the confidence threshold';
  const fireMs = p.fireAt * 1000;
  // Judged on the audio's clock: a listening that trails by `lagMs` delays a cue, it does not drop it.
  if (momentHasPassed(fireMs, nowMs - lagMs, numbers)) return 'its moment has passed';
  if (op.current !== null && compareCueNumbers(op.current, p.cue) === 0 && (op.currentSinceMs === null || fireMs < op.currentSinceMs + numbers.refireMinMs)) return 'already the live cue';
  if (op.currentSinceMs !== null && Math.max(fireMs, nowMs) < op.currentSinceMs + op.minGoIntervalMs) return `within ${op.minGoIntervalMs} ms of the last GO`;
  if (op.rejectedCue !== null && compareCueNumbers(op.rejectedCue, p.cue) === 0) return 'rejected by the operator';
  if (op.operatorCue !== null && compareCueNumbers(p.cue, op.operatorCue) <= 0) return `not past the operator's position (cue ${op.operatorCue})`;
  return undefined;
}
