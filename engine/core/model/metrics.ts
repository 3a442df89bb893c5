/**
 * Scoring fired cues against a take's ground truth: one-to-one matching within a time window (closest
 * pairs first), per department and overall (pooled), with timing error, cue identity and false fires.
 */

/** A fired or expected cue. */
export interface TimedCue {
  readonly t: number;
  readonly dept: string;
  readonly cue: string;
}

/** Scores of one department or of everything (the issue's `M`). */
export interface Metrics {
  precision: number;
  recall: number;
  /** F1 with a ±100 ms window. */
  f1: number;
  f1At50: number;
  f1At250: number;
  /** Of the ±100 ms matches. */
  medianAbsErrorMs: number;
  p90AbsErrorMs: number;
  early: number;
  late: number;
  cueIdAccuracy: number;
  falseFiresPerHour: number;
  fired: number;
  expected: number;
}

/** Scores per department and overall (the issue's `R`). */
export interface Report {
  overall: Metrics;
  depts: Record<string, Metrics>;
}

interface Match {
  readonly errorS: number;
  readonly sameCue: boolean;
  /** Indices of the pair in the (time-sorted) lists matched. */
  readonly firedIndex: number;
  readonly expectedIndex: number;
}

/** One-to-one matching: closest pairs first, each within `windowS`. */
export function matchCues(fired: readonly TimedCue[], expected: readonly TimedCue[], windowS: number): Match[] {
  const pairs: { i: number; j: number; e: number }[] = [];
  let start = 0;
  for (let i = 0; i < fired.length; i++) {
    const f = fired[i]!;
    while (start < expected.length && expected[start]!.t < f.t - windowS) start++;
    for (let j = start; j < expected.length && expected[j]!.t <= f.t + windowS; j++) pairs.push({ i, j, e: f.t - expected[j]!.t });
  }
  pairs.sort((a, b) => Math.abs(a.e) - Math.abs(b.e) || a.i - b.i || a.j - b.j);
  const usedF = new Set<number>();
  const usedE = new Set<number>();
  const out: Match[] = [];
  for (const p of pairs) {
    if (usedF.has(p.i) || usedE.has(p.j)) continue;
    usedF.add(p.i);
    usedE.add(p.j);
    out.push({ errorS: p.e, sameCue: fired[p.i]!.cue === expected[p.j]!.cue, firedIndex: p.i, expectedIndex: p.j });
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const f1Of = (m: number, fired: number, expected: number): number => (fired + expected === 0 ? 1 : (2 * m) / (fired + expected));

/** The window a fire must fall within of its cue to count as right (F1, hit rate, false fires): ±100 ms. */
export const F1_WINDOW_S = 0.1;

/** Scores one set of fires against the expected cues (already of one department, or pooled). */
export function scoreCues(fired: readonly TimedCue[], expected: readonly TimedCue[], durationS: number): Metrics {
  const f = [...fired].sort((a, b) => a.t - b.t);
  const e = [...expected].sort((a, b) => a.t - b.t);
  // Match per department even when pooled, so an LX fire never matches a CAM cue.
  const depts = [...new Set([...f, ...e].map((c) => c.dept))];
  const at = (w: number): Match[] => depts.flatMap((d) => matchCues(f.filter((c) => c.dept === d), e.filter((c) => c.dept === d), w));
  const m100 = at(F1_WINDOW_S);
  const errs = m100.map((m) => Math.abs(m.errorS) * 1000).sort((a, b) => a - b);
  const n = m100.length;
  return {
    precision: f.length === 0 ? (e.length === 0 ? 1 : 0) : n / f.length,
    recall: e.length === 0 ? 1 : n / e.length,
    f1: f1Of(n, f.length, e.length),
    f1At50: f1Of(at(0.05).length, f.length, e.length),
    f1At250: f1Of(at(0.25).length, f.length, e.length),
    medianAbsErrorMs: quantile(errs, 0.5),
    p90AbsErrorMs: quantile(errs, 0.9),
    early: m100.filter((m) => m.errorS < 0).length,
    late: m100.filter((m) => m.errorS > 0).length,
    cueIdAccuracy: n === 0 ? 0 : m100.filter((m) => m.sameCue).length / n,
    falseFiresPerHour: durationS > 0 ? ((f.length - n) * 3600) / durationS : 0,
    fired: f.length,
    expected: e.length,
  };
}

/** A fire with no cue of its department within ±`F1_WINDOW_S` (a false fire), and where the nearest cue of its department lies. */
export interface UnmatchedFire {
  readonly fire: TimedCue;
  /** Seconds from the nearest cue of the department to the fire (negative: fired early); undefined when the department has no cue. */
  readonly fromNearestS: number | undefined;
}

/** The false fires of `fired`, matched against `expected` exactly as `scoreCues` matches (per department, one-to-one, ±`F1_WINDOW_S`), in time order. */
export function unmatchedFires(fired: readonly TimedCue[], expected: readonly TimedCue[]): UnmatchedFire[] {
  const out: UnmatchedFire[] = [];
  for (const d of new Set(fired.map((c) => c.dept))) {
    const f = fired.filter((c) => c.dept === d).sort((a, b) => a.t - b.t);
    const e = expected.filter((c) => c.dept === d).sort((a, b) => a.t - b.t);
    const matched = new Set(matchCues(f, e, F1_WINDOW_S).map((m) => m.firedIndex));
    f.forEach((fire, i) => {
      if (matched.has(i)) return;
      let nearest: number | undefined;
      for (const c of e) if (nearest === undefined || Math.abs(fire.t - c.t) < Math.abs(nearest)) nearest = fire.t - c.t;
      out.push({ fire, fromNearestS: nearest });
    });
  }
  return out.sort((a, b) => a.fire.t - b.fire.t);
}

/** A false fire further than this from every cue of its department is a cue in the wrong place, not a mistimed one. */
export const FAR_FIRE_S = 1;

/**
 * False fires per hour by kind: `early` and `late` lie within `FAR_FIRE_S` of a cue of their
 * department (a cue mistimed by more than the window, or fired twice), `far` further from all of them
 * (a cue in the wrong place: a section the band did not play, a break, a vamp).
 */
export function falseFireKinds(fired: readonly TimedCue[], expected: readonly TimedCue[], durationS: number): { early: number; late: number; far: number } {
  const n = { early: 0, late: 0, far: 0 };
  for (const u of unmatchedFires(fired, expected)) {
    const d = u.fromNearestS;
    if (d === undefined || Math.abs(d) > FAR_FIRE_S) n.far++;
    else if (d < 0) n.early++;
    else n.late++;
  }
  const perHour = (k: number): number => (durationS > 0 ? (k * 3600) / durationS : 0);
  return { early: perHour(n.early), late: perHour(n.late), far: perHour(n.far) };
}

/** Per-department and overall scores. */
export function scoreReport(fired: readonly TimedCue[], expected: readonly TimedCue[], depts: readonly string[], durationS: number): Report {
  const out: Record<string, Metrics> = {};
  for (const d of depts) out[d] = scoreCues(fired.filter((c) => c.dept === d), expected.filter((c) => c.dept === d), durationS);
  return { overall: scoreCues(fired, expected, durationS), depts: out };
}

/** Pools several takes' fires and cues into one report (times offset so takes never overlap). */
export function poolTakes(takes: readonly { fired: readonly TimedCue[]; expected: readonly TimedCue[]; durationS: number }[], depts: readonly string[]): Report {
  const fired: TimedCue[] = [];
  const expected: TimedCue[] = [];
  let offset = 0;
  for (const t of takes) {
    for (const c of t.fired) fired.push({ ...c, t: c.t + offset });
    for (const c of t.expected) expected.push({ ...c, t: c.t + offset });
    offset += t.durationS + 10;
  }
  const total = takes.reduce((s, t) => s + t.durationS, 0);
  return scoreReport(fired, expected, depts, total);
}
