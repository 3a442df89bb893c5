import { describe, expect, it } from 'vitest';
import { cueId } from '../../../engine/core/ids.js';
import { CuePolicy, gatePrediction, type FollowerView, type NetVote, type OperatorView, type PolicyBeat, type PolicyVotes } from '../../../engine/core/policy/cuePolicy.js';
import fc from 'fast-check';
import { calibratedFollowerConfidence, calibrateFollower, CERTAINTY_EDGES, DEFAULT_POLICY_NUMBERS, FOLLOWER_HIT_PRIOR, nonDecreasing, type ConfidenceTable, type DeptPolicy } from '../../../engine/core/policy/numbers.js';

const vocab = { LX: ['1', '2', '3'], CAM: ['1', '2'] };
const dept = (useNetwork: boolean, startCue?: string): DeptPolicy => ({ firePoint: 0.4, useNetwork, why: 'test', ...(startCue !== undefined ? { startCue } : {}) });

/** A beat at 10 s, 0.5 s per beat, the next one at 10.5 s: beat 2 of bar 3. */
const beat: PolicyBeat = { t: 10, nextBeatT: 10.5, periodS: 0.5, beatInBar: 1, beatsPerBar: 4, barIndex: 2 };

/** A follower that expects one cue per department at a given time. */
function follower(next: Partial<Record<number, { index: number; when: number; ordinal?: number; open?: boolean }>>): FollowerView {
  return { nextCue: (d) => next[d] };
}

function policy(useNetwork: boolean, votes: PolicyVotes = 'model', startCue?: string): CuePolicy {
  return new CuePolicy(['LX', 'CAM'], vocab, { LX: dept(useNetwork, startCue), CAM: dept(useNetwork) }, DEFAULT_POLICY_NUMBERS, votes);
}

const listening = (now: number, musicStartedAt: number | null = 1, fired = true) => ({ now, musicStartedAt: musicStartedAt ?? undefined, hasFired: () => fired });
const vote = (fire: number, cueIndex = 0, beatsToNext = 1): NetVote => ({ fire, cueIndex, beatsToNext });

describe('CuePolicy.propose', () => {
  it("proposes the follower's cue due by the next beat at the follower's time, with the network's agreement as confidence", () => {
    const p = policy(true);
    const f = follower({ 0: { index: 1, when: 10.52 } });
    p.onBeat(beat, [vote(0.9), vote(0.01)], f);
    const [lx] = p.propose(f, listening(10.1));
    expect(lx).toMatchObject({ dept: 'LX', cue: '2', fireAt: 10.52 });
    expect(lx!.confidence).toBeGreaterThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    expect(lx!.reason).toBe('follower + network agree: cue 2 at beat 3 of bar 3, network 0.90');
  });

  it("lets the network veto the follower's cue on the beat it was asked about", () => {
    const p = policy(true);
    const f = follower({ 0: { index: 1, when: 10.5 } });
    p.onBeat(beat, [vote(0.05), vote(0.01)], f);
    const [lx] = p.propose(f, listening(10.1));
    expect(lx!.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    expect(lx!.reason).toMatch(/^network vetoes the follower's cue 2 at beat 3 of bar 3 \(0\.05 < 0\.1\)$/);
  });

  it('runs a department on the follower alone when training found the network no better, and says so', () => {
    const p = policy(false);
    const f = follower({ 0: { index: 1, when: 10.5 } });
    p.onBeat(beat, [vote(0.01), vote(0.01)], f);
    const [lx] = p.propose(f, listening(10.1));
    expect(lx!.confidence).toBe(1);
    expect(lx!.reason).toBe('follower: cue 2 at beat 3 of bar 3; LX runs on the follower alone');
  });

  it('fires on the network alone where the follower expects nothing near, naming the cue from the follower when it expects one within a beat and a half', () => {
    const p = policy(true);
    const alone = follower({});
    p.onBeat(beat, [vote(0.9, 2), vote(0.01)], alone);
    expect(p.propose(alone, listening(10.1))[0]).toMatchObject({ cue: '3', fireAt: 10.5, reason: 'network 0.90: cue 3 at beat 3 of bar 3' });
    const later = follower({ 0: { index: 0, when: 11.1 } });
    p.onBeat(beat, [vote(0.9, 2), vote(0.01)], later);
    expect(p.propose(later, listening(10.1))[0]).toMatchObject({ cue: '1', fireAt: 10.5, reason: 'network 0.90: cue 1 (named by the follower) at beat 3 of bar 3' });
  });

  it('keeps a network fire armed for its moment when the next beat no longer calls it', () => {
    const p = policy(true);
    const none = follower({});
    p.onBeat(beat, [vote(0.9, 1), vote(0.01)], none);
    expect(p.propose(none, listening(10.1))[0]!.fireAt).toBe(10.5);
    // The next beat arrives (early) before 10.5 s with a low vote: the armed fire stands.
    p.onBeat({ ...beat, t: 10.45, nextBeatT: 10.95, beatInBar: 2 }, [vote(0.02, 1), vote(0.01)], none);
    expect(p.propose(none, listening(10.46))[0]).toMatchObject({ cue: '2', fireAt: 10.5 });
    // Once its moment has passed, the department shows what comes next, unarmed.
    const after = p.propose(none, listening(10.6))[0]!;
    expect(after.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    expect(after.reason).toMatch(/^next: cue 2/);
  });

  it("arms the follower's cue armLeadS ahead of its time, before the network has voted on its beat, so an operator in assist sees it coming", () => {
    const p = policy(true);
    const f = follower({ 0: { index: 2, when: 11.8 } });
    p.onBeat(beat, [vote(0.01), vote(0.01)], f);
    expect(p.propose(f, listening(9.5))[0]!.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    expect(p.propose(f, listening(10.1))[0]).toMatchObject({ cue: '3', fireAt: 11.8, confidence: 1, reason: 'follower: cue 3 at beat 2 of bar 4; the network votes on the beat before it' });
  });

  it("ablations: followerOnly replaces the network's vote by the follower's expectation; networkOnly ignores the follower", () => {
    const f = follower({ 0: { index: 1, when: 10.5 } });
    const fo = policy(true, 'followerOnly');
    fo.onBeat(beat, [vote(0.01, 2), vote(0.01)], f);
    expect(fo.propose(f, listening(10.1))[0]).toMatchObject({ cue: '2', fireAt: 10.5, confidence: 1 });
    const no = policy(true, 'networkOnly');
    no.onBeat(beat, [vote(0.01, 2), vote(0.01)], f);
    const lx = no.propose(f, listening(10.1))[0]!;
    expect(lx.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    expect(lx.cue).toBe('3');
  });

  it('leaves an open entry to the operator: armed at the follower\'s moment with the reason, never for the model to fire, whoever votes', () => {
    for (const useNetwork of [false, true]) {
      const p = policy(useNetwork);
      const f = follower({ 0: { index: 1, when: 10.5, open: true }, 1: { index: 1, when: 10.5 } });
      p.onBeat(beat, [vote(0.9), vote(0.9)], f);
      const [lx, cam] = p.propose(f, { ...listening(10.45), lastAttackAt: 10.49 });
      expect(lx).toMatchObject({ dept: 'LX', cue: '2', fireAt: 10.5 });
      expect(lx!.open).toBe('cue 2 is an open entry: the rehearsals disagree on when it comes (the band decides, as after a vamp); GO it on the entry');
      // The other department's cue at the same moment is not open: it goes.
      expect(cam!.open).toBeUndefined();
      expect(cam!.awaiting).toBeUndefined();
      // Further ahead (armed armLeadS before its time) it is open too.
      const ahead = follower({ 0: { index: 2, when: 11.8, open: true } });
      p.onBeat(beat, [vote(0.01), vote(0.01)], ahead);
      expect(p.propose(ahead, listening(10.1))[0]!.open).toMatch(/^cue 3 is an open entry/);
    }
    // Named by the follower when the network fires on its own.
    const p = policy(true);
    const named = follower({ 0: { index: 0, when: 11.1, open: true } });
    p.onBeat(beat, [vote(0.9, 2), vote(0.01)], named);
    const [lx] = p.propose(named, listening(10.1));
    expect(lx!.cue).toBe('1');
    expect(lx!.open).toMatch(/open entry/);
    // …and on its own, the follower's open entry further off: still a person's GO; another cue goes.
    const later = follower({ 0: { index: 2, when: 13, open: true } });
    p.onBeat(beat, [vote(0.9, 2), vote(0.01)], later);
    expect(p.propose(later, listening(10.1))[0]).toMatchObject({ cue: '3', fireAt: 10.5, open: expect.any(String) as string });
    p.onBeat(beat, [vote(0.9, 1), vote(0.01)], later);
    expect(p.propose(later, listening(10.1))[0]!.open).toBeUndefined();
  });

  it("hears the follower only once the music has started", () => {
    const p = policy(false);
    const f = follower({ 0: { index: 1, when: 10.5 } });
    p.onBeat(beat, [vote(0.01), vote(0.01)], f);
    expect(p.propose(f, listening(10.1, null))[0]!.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
  });

  it('offers the start cue never before the music starts, then where the follower places it (or when the music starts)', () => {
    const p = policy(true, 'model', '1');
    const f = follower({ 0: { index: 0, when: 2 } });
    expect(p.propose(f, listening(0.5, null, false))).toEqual([]);
    expect(p.propose(f, listening(1.2, 1.1, false))[0]).toMatchObject({ dept: 'LX', cue: '1', confidence: 1, fireAt: 2 });
    const without = policy(true, 'model', '1');
    expect(without.propose(undefined, listening(1.2, 1.1, false))[0]).toMatchObject({ cue: '1', fireAt: 1.1, reason: 'start cue 1: the music started at 1.10 s' });
    // A later cue of the same number (a repeated look) is not the opening: the start cue goes with the music.
    const later = follower({ 0: { index: 0, when: 30, ordinal: 3 } });
    expect(policy(true, 'model', '1').propose(later, listening(1.2, 1.1, false))[0]).toMatchObject({ cue: '1', fireAt: 1.1 });
    // Past the start window, without a follower placing it, it is no longer offered.
    expect(without.propose(undefined, listening(3, 1.1, false))).toEqual([]);
  });
});

describe('gatePrediction', () => {
  const op: OperatorView = {
    mode: 'auto', modelAllowed: true, panicked: false, held: false, lockoutUntilMs: null, confidenceThreshold: 0.5,
    current: cueId('1'), currentSinceMs: 9000, rejectedCue: null, minGoIntervalMs: 250, operatorCue: null,
  };
  const p = { cue: cueId('2'), confidence: 0.9, fireAt: 10.5 };
  const gate = (o: Partial<OperatorView>, q: Partial<typeof p> = {}, nowMs = 10_000): string | undefined => gatePrediction({ ...p, ...q }, { ...op, ...o }, nowMs, DEFAULT_POLICY_NUMBERS);

  it('arms a confident, timely prediction of another cue in auto', () => {
    expect(gate({})).toBeUndefined();
  });

  it('says why it will not, in order of what the operator did', () => {
    expect(gate({ modelAllowed: false })).toBe('the model may not drive this department');
    expect(gate({ mode: 'manual' })).toBe('manual mode');
    expect(gate({ panicked: true })).toBe('PANIC: waiting for an operator');
    expect(gate({ held: true })).toBe('held');
    expect(gate({ lockoutUntilMs: 12_000 })).toBe('locked out after a manual GO');
    expect(gate({ confidenceThreshold: 0.95 })).toBe('below the confidence threshold');
    expect(gate({}, { fireAt: 9.4 })).toBe('its moment has passed');
    // Listening that trails the clock by a second (a worker still starting) delays the cue, not drops it.
    expect(gatePrediction({ ...p, fireAt: 9.4 }, op, 10_000, DEFAULT_POLICY_NUMBERS, 1000)).toBeUndefined();
    expect(gate({ current: cueId('2'), currentSinceMs: 9900 })).toBe('already the live cue');
    expect(gate({ current: cueId('2'), currentSinceMs: 9000 })).toBeUndefined();
    expect(gate({ currentSinceMs: 10_400 })).toBe('within 250 ms of the last GO');
    expect(gate({ rejectedCue: cueId('2') })).toBe('rejected by the operator');
    // After a person moved the department to cue 12, the model never fires behind it.
    expect(gate({ operatorCue: cueId('12') }, { cue: cueId('9') })).toBe("not past the operator's position (cue 12)");
    expect(gate({ operatorCue: cueId('12') }, { cue: cueId('13') })).toBeUndefined();
  });
});

describe('CuePolicy: the lost state', () => {
  const n = DEFAULT_POLICY_NUMBERS;
  /** A follower with cue 2 of LX due at 10.5 s and a placement the test sets. */
  function placed(): { f: FollowerView; set: (match: number, rate?: number) => void } {
    let now: { match: number; rate?: number } = { match: 0.3, rate: 1 };
    return {
      f: { nextCue: (d) => (d === 0 ? { index: 1, when: 10.5 } : undefined), placement: () => now },
      set: (match, rate) => void (now = rate === undefined ? { match } : { match, rate }),
    };
  }

  it('marks every proposal lost while the music sounds unlike the rehearsal where the follower is, and re-locks after relockS of good match', () => {
    const p = policy(false);
    const { f, set } = placed();
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.propose(f, listening(10)).every((x) => x.lost === undefined)).toBe(true);
    set(n.lostMatch + 0.01, 1);
    const lost = p.propose(f, listening(10.05));
    expect(lost[0]).toMatchObject({ cue: '2', fireAt: 10.5 });
    expect(lost[0]!.lost).toMatch(/^follower lost: the music does not sound like the rehearsal where it places it \(match 0\.76 ≥ 0\.75\)$/);
    // Between the two thresholds: still lost (hysteresis).
    set((n.lostMatch + n.relockMatch) / 2, 1);
    expect(p.propose(f, listening(10.1))[0]!.lost).toBeDefined();
    // Good again, but not for long enough: still lost; then placed.
    set(n.relockMatch - 0.05, 1);
    expect(p.propose(f, listening(10.2))[0]!.lost).toBeDefined();
    expect(p.propose(f, listening(10.2 + n.relockS * 0.5))[0]!.lost).toBeDefined();
    expect(p.propose(f, listening(10.2 + n.relockS))[0]!.lost).toBeUndefined();
  });

  it('is lost when the follower stops moving through the rehearsal (a walk-in, a break), and a bad moment restarts the re-lock wait', () => {
    const p = policy(false);
    const { f, set } = placed();
    p.onBeat(beat, [vote(0), vote(0)], f);
    set(0.3); // not followed a whole window yet: no rate, no verdict on it
    expect(p.propose(f, listening(10))[0]!.lost).toBeUndefined();
    set(0.3, n.stallRate / 2);
    expect(p.propose(f, listening(10.1))[0]!.lost).toMatch(/^follower lost: it has stopped moving through the rehearsal \(0\.20× over 3 s\)$/);
    set(0.3, 1);
    p.propose(f, listening(10.2));
    set(0.3, 0.1);
    p.propose(f, listening(10.6));
    set(0.3, 1);
    expect(p.propose(f, listening(10.7 + n.relockS * 0.9))[0]!.lost).toBeDefined();
    expect(p.propose(f, listening(10.7 + n.relockS))[0]!.lost).toBeDefined();
    expect(p.propose(f, listening(10.7 + n.relockS * 2))[0]!.lost).toBeUndefined();
  });

  it('is lost while the band vamps (a short jump back), until the position has passed where it jumped back from; a long jump back (a repeated section) is followed', () => {
    const p = policy(false);
    let loop: { backS: number; aheadS: number } | undefined = { backS: 4, aheadS: 3 }; // 8 beats back, 3 s to go
    const f: FollowerView = { nextCue: () => undefined, placement: () => ({ match: 0.3, rate: 1, ...(loop !== undefined ? { loop } : {}) }) };
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.followerLost(f, 10)).toBe('follower lost: the band is vamping (8 beats again); it cannot tell when the next section comes');
    loop = { backS: 4, aheadS: 0.1 };
    expect(p.followerLost(f, 11)).toBeDefined();
    loop = { backS: 4, aheadS: -n.vampExitBeats * beat.periodS - 0.01 };
    p.followerLost(f, 12);
    expect(p.followerLost(f, 12 + n.relockS)).toBeUndefined();
    const q = policy(false);
    loop = { backS: (n.vampMaxBeats + 1) * beat.periodS, aheadS: 10 };
    q.onBeat(beat, [vote(0), vote(0)], f);
    expect(q.followerLost(f, 10)).toBeUndefined();
  });

  it('holds every department through a break (the follower says the band stopped), and fires again as soon as it plays, without a re-lock wait', () => {
    const p = policy(false);
    let quiet = true;
    const f: FollowerView = { nextCue: (d) => (d === 0 ? { index: 1, when: 10.5 } : undefined), placement: () => ({ match: 0.3, rate: 1, ...(quiet ? { quiet } : {}) }) };
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.propose(f, listening(10))[0]!.lost).toBe('follower holding: the band has stopped (a break); nothing fires until it plays again');
    quiet = false;
    expect(p.propose(f, listening(10.05))[0]!.lost).toBeUndefined();
  });

  it('never marks the networkOnly ablation lost (it does not hear the follower), and starts over on reset', () => {
    const { f, set } = placed();
    set(0.99, 1);
    const net = policy(true, 'networkOnly');
    net.onBeat(beat, [vote(0.9), vote(0)], f);
    expect(net.propose(f, listening(10.1)).every((x) => x.lost === undefined)).toBe(true);
    const p = policy(false);
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.propose(f, listening(10.1))[0]!.lost).toBeDefined();
    p.reset();
    set(0.3, 1);
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.propose(f, listening(10.1))[0]!.lost).toBeUndefined();
  });

  it('marks a start cue lost too: a walk-in never opens the show on its own', () => {
    const p = policy(false, 'model', '1');
    const { f, set } = placed();
    set(0.3, 0.05);
    const [lx] = p.propose(f, listening(9, 8.9, false));
    expect(lx).toMatchObject({ cue: '1' });
    expect(lx!.lost).toMatch(/stopped moving/);
  });
});

describe("CuePolicy: the show's opening as heard", () => {
  const n = DEFAULT_POLICY_NUMBERS;
  /**
   * A follower lost through a walk-in (stalled, its match poor) whose rehearsal opened every department
   * but CAM on its first attack; it expects LX's opening cue `when` (or has wandered on to cue 2).
   */
  function walkIn(options: { when?: number; wandered?: boolean; opensOnAttack?: boolean; rate?: number; entryLeadS?: number } = {}): FollowerView {
    return {
      nextCue: (d) => (d === 0 ? { index: options.wandered === true ? 1 : 0, when: options.when ?? 30, ordinal: 0 } : { index: 1, when: 40 }),
      placement: () => ({ match: 0.9, ...(options.rate !== undefined ? { rate: options.rate } : { rate: 0.05 }) }),
      opensOnAttack: options.opensOnAttack ?? true,
      ...(options.entryLeadS !== undefined ? { entryLeadS: options.entryLeadS } : {}),
      opensWith: (d) => d === 0,
    };
  }
  const heard = (now: number, extra: { countIn?: { one: number; beatS: number; why: string }; entryAttackAt?: number }, fired = false) => ({ ...listening(now, 3, fired), ...extra });

  it("goes on the one after a count-in, counted down from the last click, lost follower or not, and only for a department the band's entry opens", () => {
    const p = policy(false, 'model', '1');
    const f = walkIn({ wandered: true });
    const count = { one: 14.14, beatS: 0.69, why: 'a count-in of 4 at 87 BPM (last click 13.46 s)' };
    const [lx, cam] = p.propose(f, heard(13.6, { countIn: count }));
    expect(lx).toMatchObject({ cue: '1', fireAt: 14.14, confidence: 1, reason: 'start cue 1 on the one: a count-in of 4 at 87 BPM (last click 13.46 s)' });
    expect(lx!.lost).toBeUndefined();
    // CAM's first cue came later in the rehearsal: the count-in says nothing about it.
    expect(cam?.dept === 'CAM' ? cam.reason : '').not.toMatch(/count-in/);
    // Until the moment is stale, and never once LX has fired.
    expect(p.propose(f, heard(14.14 + n.staleMs / 1000, { countIn: count }))[0]!.reason).toMatch(/on the one/);
    expect(p.propose(f, heard(14.2 + n.staleMs / 1000, { countIn: count }))[0]?.reason ?? '').not.toMatch(/on the one/);
    expect(p.propose(f, heard(13.6, { countIn: count }, true))[0]?.reason ?? '').not.toMatch(/on the one/);
    // A rehearsal whose opening cue did not go on the band's entry (its first look came bars in): the one is not its moment.
    const later = walkIn({ wandered: true, opensOnAttack: false });
    expect(policy(false, 'model', '1').propose(later, heard(13.6, { countIn: count }))[0]?.reason ?? '').not.toMatch(/on the one/);
    // Nor one whose band came in a count beat or more before its first look.
    const intro = walkIn({ wandered: true, opensOnAttack: false, entryLeadS: n.countInPickupBeats * count.beatS + 0.01 });
    expect(policy(false, 'model', '1').propose(intro, heard(13.6, { countIn: count }))[0]?.reason ?? '').not.toMatch(/on the one/);
    // A pickup (the rehearsal's band came in half a beat before its first cue): the one is that cue's downbeat.
    const pickup = walkIn({ wandered: true, opensOnAttack: false, entryLeadS: 0.5 * count.beatS });
    expect(policy(false, 'model', '1').propose(pickup, heard(13.6, { countIn: count }))[0]).toMatchObject({
      cue: '1', fireAt: 14.14, reason: "start cue 1 on the one: a count-in of 4 at 87 BPM (last click 13.46 s); the rehearsal's band came in 0.34 s before it (a pickup)",
    });
    // Without a count-in a pickup's rehearsal keeps its opening on the follower: no attack opens it.
    expect(policy(false, 'model', '1').propose({ ...pickup, placement: () => ({ match: 0.9 }) }, heard(1.03, { entryAttackAt: 1.01 }))[0]?.reason ?? '').not.toMatch(/first attack|on the one/);
  });

  it("goes on the band's first attack out of quiet where the rehearsal opened on one, even with the follower unsure of the room's noise before it", () => {
    const p = policy(false, 'model', '1');
    // Its match is poor (room noise against the rehearsal's silence) but it has not stalled.
    const unsure: FollowerView = { ...walkIn({ when: 1.3 }), placement: () => ({ match: 0.9 }) };
    const [lx] = p.propose(unsure, heard(1.03, { entryAttackAt: 1.01 }));
    expect(lx).toMatchObject({ cue: '1', fireAt: 1.01, confidence: 1, reason: "start cue 1 on the band's first attack at 1.01 s, as the rehearsal opened" });
    expect(lx!.lost).toBeUndefined();
  });

  it('does not take an attack for the opening where the rehearsal did not open on one, the follower stalled through a walk-in, expects the cue later or has moved on, or the attack is stale', () => {
    const p = () => policy(false, 'model', '1');
    const at = heard(1.03, { entryAttackAt: 1.01 });
    const placedAt = (x: FollowerView): FollowerView => ({ ...x, placement: () => ({ match: 0.9 }) });
    expect(p().propose(placedAt(walkIn({ when: 1.3, opensOnAttack: false })), at)[0]!.reason).not.toMatch(/first attack/);
    // A stalled follower: a walk-in's first count-in click is no band.
    expect(p().propose(walkIn({ when: 1.3, rate: 0.05 }), at)[0]!.reason).not.toMatch(/first attack/);
    expect(p().propose(placedAt(walkIn({ when: 1.03 + n.startLookaheadS + 0.1 })), at)[0]?.reason ?? '').not.toMatch(/first attack/);
    expect(p().propose(placedAt(walkIn({ when: 1.3, wandered: true })), at)[0]?.reason ?? '').not.toMatch(/first attack/);
    expect(p().propose(placedAt(walkIn({ when: 1.3 })), heard(1.02 + n.staleMs / 1000, { entryAttackAt: 1.01 }))[0]?.reason ?? '').not.toMatch(/first attack/);
  });
});

describe('CuePolicy: a calibrated confidence', () => {
  // Held-out rehearsal counts per certainty bin, and the confidence each bin carries.
  const table: ConfidenceTable = {
    edges: [...CERTAINTY_EDGES],
    fires: [0, 4, 0, 10, 100, 0, 0],
    hits: [0, 1, 0, 9, 98, 0, 0],
    confidence: [0.2, 0.33, 0.6, 0.9, 0.97, 0.98, 0.99],
    on: 'held-out rehearsal r2',
  };

  it("reads a certainty's bin", () => {
    expect(calibratedFollowerConfidence(table, 0.65)).toBe(0.97);
    expect(calibratedFollowerConfidence(table, 0.35)).toBe(0.33);
    expect(calibratedFollowerConfidence(table, 0)).toBe(0.2);
    expect(calibratedFollowerConfidence(table, 1)).toBe(0.99);
  });

  it("caps the confidence of a department on the follower alone at what the follower's certainty is worth, and says so; where the network votes, it does not", () => {
    let match = 0.35; // certainty 0.65
    const f: FollowerView = { nextCue: (d) => (d === 0 ? { index: 1, when: 10.5 } : undefined), placement: () => ({ match, rate: 1 }) };
    const p = new CuePolicy(['LX', 'CAM'], vocab, { LX: dept(false), CAM: dept(false) }, DEFAULT_POLICY_NUMBERS, 'model', table);
    p.onBeat(beat, [vote(0), vote(0)], f);
    const [lx] = p.propose(f, listening(10.1));
    expect(lx!.confidence).toBe(0.97);
    expect(lx!.reason).toBe('follower: cue 2 at beat 3 of bar 3; LX runs on the follower alone (follower certainty 0.65: calibrated 97% on held-out rehearsal r2)');
    match = 0.65; // certainty 0.35: one in three, below the fire threshold
    expect(p.propose(f, listening(10.2))[0]!.confidence).toBeLessThan(DEFAULT_POLICY_NUMBERS.fireThreshold);
    const net = new CuePolicy(['LX', 'CAM'], vocab, { LX: dept(true), CAM: dept(true) }, DEFAULT_POLICY_NUMBERS, 'networkOnly', table);
    net.onBeat(beat, [vote(0.9, 1), vote(0)], f);
    expect(net.propose(f, listening(10.1))[0]!.reason).not.toMatch(/certainty/);
  });
});

describe('calibrateFollower', () => {
  it('reads the prior where the show has no fires, the show\'s own hit rate where it has many, and never less for a surer follower', () => {
    const none = CERTAINTY_EDGES.map(() => 0);
    expect(calibrateFollower(none, none)).toEqual(nonDecreasing(FOLLOWER_HIT_PRIOR, CERTAINTY_EDGES.map(() => 1)));
    const fires = none.map((_, i) => (i === 4 ? 10_000 : 0));
    const hits = none.map((_, i) => (i === 4 ? 5_000 : 0));
    const c = calibrateFollower(fires, hits);
    // 50% right over 10,000 fires outweighs the prior there; the bins above, pooled with it where the
    // prior read higher, stay at least as high.
    expect(c[4]!).toBeLessThan(0.52);
    for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThanOrEqual(c[i - 1]!);
  });
});

describe('nonDecreasing (pool adjacent violators)', () => {
  it('pools violators into their weighted mean', () => {
    expect(nonDecreasing([0.5, 0.3, 0.9], [1, 1, 1]).map((v) => +v.toFixed(6))).toEqual([0.4, 0.4, 0.9]);
    expect(nonDecreasing([0.5, 0.3, 0.9], [3, 1, 1]).map((v) => +v.toFixed(6))).toEqual([0.45, 0.45, 0.9]);
    expect(nonDecreasing([0.9, 0.1, 0.2, 0.3], [1, 1, 1, 1]).map((v) => +v.toFixed(6))).toEqual([0.375, 0.375, 0.375, 0.375]);
  });

  it('gives a non-decreasing sequence with the same weighted sum, and leaves one that already is alone', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 100, noNaN: true })), { minLength: 1, maxLength: 12 }), (pairs) => {
        const values = pairs.map((p) => p[0]);
        const weights = pairs.map((p) => p[1]);
        const fit = nonDecreasing(values, weights);
        expect(fit).toHaveLength(values.length);
        for (let i = 1; i < fit.length; i++) expect(fit[i]!).toBeGreaterThanOrEqual(fit[i - 1]! - 1e-12);
        const sum = (xs: number[]): number => xs.reduce((a, x, i) => a + x * weights[i]!, 0);
        expect(sum(fit)).toBeCloseTo(sum(values), 9);
        const sorted = [...values].sort((x, y) => x - y);
        expect(nonDecreasing(sorted, weights)).toEqual(sorted);
      }),
    );
  });
});

describe("CuePolicy: a follower's cue does not go into a band falling silent", () => {
  const n = DEFAULT_POLICY_NUMBERS;
  /** The band's level: now, the loudest of the last fallWindowS, and the loudest heard lately. */
  const level = (nowDb: number, recentDb = nowDb, peakDb = -20) => ({ nowDb, peakDb, loudestSince: () => recentDb });
  const sounding = level(-22);
  const falling = level(-21 - n.stopDropDb, -21);
  const at = (now: number, lv: ReturnType<typeof level>, attack?: number) => ({ ...listening(now), level: lv, ...(attack !== undefined ? { lastAttackAt: attack } : {}) });
  /** LX cue 2 due at 10.5 s; the test sets whether the follower hears a break and what comes next. */
  function band(): { f: FollowerView; quiet: (q: boolean) => void; next: (x: { index: number; when: number } | undefined) => void } {
    let quiet = false;
    let next: { index: number; when: number } | undefined = { index: 1, when: 10.5 };
    return {
      f: { nextCue: (d) => (d === 0 ? next : undefined), placement: () => ({ match: 0.3, rate: 1, ...(quiet ? { quiet } : {}) }) },
      quiet: (q) => void (quiet = q),
      next: (x) => void (next = x),
    };
  }

  /** A follower-alone policy after the first beat, following `band()`. */
  function started(): { p: CuePolicy; f: FollowerView } {
    const p = policy(false);
    const { f } = band();
    p.onBeat(beat, [vote(0), vote(0)], f);
    return { p, f };
  }

  it('goes at its moment while the band sounds on, attack or not (a held chord, an anticipated downbeat)', () => {
    const { p, f } = started();
    const before = p.propose(f, at(10.49, sounding))[0]!;
    expect(before).toMatchObject({ cue: '2', fireAt: 10.5, confidence: 1 });
    expect(before.awaiting).toBeUndefined();
    expect(p.propose(f, at(10.5 + n.attackAfterS, sounding))[0]!.awaiting).toBeUndefined();
    // A level falling between two notes well before the moment is judged at the moment, not then.
    const q = policy(false);
    q.onBeat(beat, [vote(0), vote(0)], f);
    expect(q.propose(f, at(10.5 - n.fallWindowS - 0.05, falling))[0]!.awaiting).toBeUndefined();
    expect(q.propose(f, at(10.5 - n.fallWindowS + 0.01, falling))[0]!.awaiting).toBeDefined();
  });

  it('waits (armed, not fired by the model) while the band falls silent at its moment, and goes on an attack heard within attackBeforeS/attackAfterS of it', () => {
    const { p, f } = started();
    const waiting = p.propose(f, at(10.48, falling))[0]!;
    expect(waiting).toMatchObject({ cue: '2', fireAt: 10.5, confidence: 1 });
    expect(waiting.awaiting).toBe(`the band's level fell ${n.stopDropDb} dB in ${n.fallWindowS * 1000} ms: cue 2 waits for its attack`);
    // A noisy room's break: not quiet, but far under the band.
    expect(p.propose(f, at(10.49, level(-20 - n.soundingBelowPeakDb - 1, -36)))[0]!.awaiting).toMatch(/^the band sounds \d+ dB under its level: cue 2 waits/);
    // An attack too long before the moment (the band's last notes before it) does not let it go.
    expect(p.propose(f, at(10.5, falling, 10.5 - n.attackBeforeS - 0.01))[0]!.awaiting).toBeDefined();
    const heard = p.propose(f, at(10.53, falling, 10.52))[0]!;
    expect(heard.awaiting).toBeUndefined();
    expect(heard).toMatchObject({ cue: '2', fireAt: 10.5, confidence: 1 });
    expect(heard.reason).toBe("follower: cue 2 at beat 3 of bar 3; LX runs on the follower alone, the band's attack heard at 10.52 s");
    // Gone on its attack, the same cue is not held again as the follower moves past it.
    expect(p.propose(f, at(10.75, falling, 10.52))[0]!.awaiting).toBeUndefined();
  });

  it('leaves a cue whose window passed in a falling band to the operator, and drops it once stale without a break', () => {
    const p = policy(false);
    const { f, next } = band();
    p.onBeat(beat, [vote(0), vote(0)], f);
    p.propose(f, at(10.48, falling));
    expect(p.propose(f, at(10.5 + n.attackAfterS + 0.02, falling))[0]!.awaiting).toMatch(/^no attack at cue 2's moment and the band fell silent/);
    // The band sounds on again, but after the window: the model does not fire it late.
    expect(p.propose(f, at(10.5 + n.attackAfterS + 0.05, sounding))[0]!.awaiting).toBeDefined();
    next({ index: 2, when: 12 });
    expect(p.propose(f, at(10.5 + n.staleMs / 1000 + 0.1, sounding))[0]).toMatchObject({ cue: '3', fireAt: 12 });
  });

  it("holds a cue whose moment falls in a break and fires it once, on the band's first attack when it plays again, wherever the follower has run to", () => {
    const p = policy(false);
    const { f, quiet, next } = band();
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.propose(f, at(10.45, falling, 10.2))[0]!.awaiting).toBeDefined();
    quiet(true);
    // The break: the follower runs on past the cue; the cue is held for the band's return.
    next({ index: 2, when: 14 });
    const held = p.propose(f, at(10.7, level(-60, -50), 10.2))[0]!;
    expect(held).toMatchObject({ cue: '2', awaiting: 'waiting for the band to play again' });
    expect(held.lost).toMatch(/^follower holding: the band has stopped/);
    expect(p.propose(f, at(12, level(-60), 10.2))[0]).toMatchObject({ cue: '2', awaiting: 'waiting for the band to play again' });
    // The band comes back (the quiet flag trails the attack by a hop): the cue goes at its attack, not lost.
    const back = p.propose(f, at(12.51, sounding, 12.5))[0]!;
    expect(back).toMatchObject({ cue: '2', fireAt: 12.5, confidence: 1, reason: "cue 2 on the band's first attack after the break, at 12.50 s" });
    expect(back.awaiting).toBeUndefined();
    expect(back.lost).toBeUndefined();
    quiet(false);
    // Later attacks do not move it; once its moment is stale, the follower speaks again.
    expect(p.propose(f, at(12.7, sounding, 12.68))[0]).toMatchObject({ cue: '2', fireAt: 12.5 });
    expect(p.propose(f, at(12.5 + n.staleMs / 1000 + 0.05, sounding, 12.68))[0]).toMatchObject({ cue: '3', fireAt: 14 });
  });

  it('a break the rehearsal does not have: the cue due as the band stopped goes on its return; one due later waits for the follower', () => {
    for (const dueIn of [n.breakCueWithinS - 0.3, n.breakCueWithinS + 1]) {
      const p = policy(false);
      let place: { match: number; rate: number; quiet?: boolean; held?: boolean } = { match: 0.3, rate: 1 };
      // The follower holds its place: its next cue stays `dueIn` seconds of music ahead while the band is silent.
      let now = 10;
      const f: FollowerView = { nextCue: (d) => (d === 0 ? { index: 1, when: now + dueIn } : undefined), placement: () => place };
      p.onBeat(beat, [vote(0), vote(0)], f);
      place = { match: 0.3, rate: 1, quiet: true, held: true };
      for (now = 10.5; now <= 13; now += 0.5) {
        const held = p.propose(f, at(now, level(-60), 9.9))[0]!;
        expect(held.lost).toMatch(/^follower holding/);
        if (dueIn < n.breakCueWithinS) expect(held).toMatchObject({ cue: '2', awaiting: 'waiting for the band to play again' });
        else expect(held.awaiting).toBeUndefined();
      }
      // The band comes back: the attack at 13.2 s.
      place = { match: 0.3, rate: 1 };
      now = 13.21;
      const back = p.propose(f, at(now, sounding, 13.2))[0]!;
      if (dueIn < n.breakCueWithinS) expect(back).toMatchObject({ cue: '2', fireAt: 13.2, reason: "cue 2 on the band's first attack after the break, at 13.20 s" });
      else expect(back).toMatchObject({ cue: '2', fireAt: now + dueIn });
      expect(back.lost).toBeUndefined();
    }
  });

  it('does not call the follower stalled for holding its place through a break', () => {
    const p = policy(false);
    let place: { match: number; rate?: number; quiet?: boolean } = { match: 0.3, rate: 1, quiet: true };
    const f: FollowerView = { nextCue: () => undefined, placement: () => place };
    p.onBeat(beat, [vote(0), vote(0)], f);
    expect(p.followerLost(f, 10)).toMatch(/^follower holding/);
    place = { match: 0.3, rate: 0.1 };
    expect(p.followerLost(f, 10 + n.stallWindowS * 0.5)).toBeUndefined();
    expect(p.followerLost(f, 10 + n.stallWindowS + 0.1)).toMatch(/^follower lost: it has stopped moving/);
  });
});
