/**
 * Drum grooves for the listener's renders: one bar per groove as step strings per drum (x hit,
 * X accent, o ghost, . rest), `stepsPerBeat` steps to the beat. The renderer lays a groove over the
 * song's (warped) beats, so the drums follow every tempo curve exactly.
 */

/** GM percussion keys by letter. */
export const DRUM_KEYS: Readonly<Record<string, number>> = {
  K: 36, // bass drum
  S: 38, // snare
  s: 37, // side stick
  L: 39, // clap
  H: 42, // closed hi-hat
  h: 44, // pedal hi-hat
  O: 46, // open hi-hat
  R: 51, // ride
  C: 49, // crash
  T: 45, // low tom
  M: 47, // mid tom
  t: 50, // high tom
  P: 54, // tambourine
};

/** One bar of a groove. */
export interface Groove {
  readonly name: string;
  /** Beats per bar it is written for. */
  readonly beats: number;
  readonly stepsPerBeat: number;
  readonly lines: Readonly<Record<string, string>>;
}

const g = (name: string, beats: number, stepsPerBeat: number, lines: Record<string, string>): Groove => {
  for (const [k, v] of Object.entries(lines)) {
    if (v.length !== beats * stepsPerBeat) throw new Error(`groove ${name}: line ${k} has ${v.length} steps, not ${beats * stepsPerBeat}`);
  }
  return { name, beats, stepsPerBeat, lines };
};

/** Every groove by name. */
export const GROOVE_LIBRARY: Readonly<Record<string, Groove>> = {
  rock: g('rock', 4, 4, { K: 'x.......x.x.....', S: '....X.......X...', H: 'x.x.x.x.x.x.x.x.' }),
  pop16: g('pop16', 4, 4, { K: 'x.....x...x.....', S: '....X.......X...', H: 'xoxoxoxoxoxoxoxo' }),
  disco: g('disco', 4, 4, { K: 'x...x...x...x...', S: '....X.......X...', O: '..x...x...x...x.', H: 'x...x...x...x...' }),
  halftime: g('halftime', 4, 4, { K: 'x.........x.....', S: '........X.......', H: 'x.x.x.x.x.x.x.x.' }),
  ballad: g('ballad', 4, 4, { K: 'x.......x.......', s: '....x.......x...', H: 'x...x...x...x...' }),
  ride: g('ride', 4, 4, { K: 'x.....x.........', S: '....X.......X...', R: 'x.x.x.x.x.x.x.x.' }),
  reggae: g('reggae', 4, 4, { K: '........x.......', s: '........x.......', H: '..x...x...x...x.' }),
  train: g('train', 4, 4, { K: 'x.......x.......', S: 'ooooXoooooooXooo' }),
  shuffle: g('shuffle', 4, 3, { K: 'x.....x.....', S: '...X.....X..', H: 'x.xx.xx.xx.x' }),
  jazz: g('jazz', 4, 3, { R: 'x..x.xx..x.x', h: '...x.....x..', K: 'o.....o.....' }),
  funk: g('funk', 4, 4, { K: 'x..x..x...x..x..', S: '....X..o.o..X..o', H: 'xxxxxxxxxxxxxxxx' }),
  bossa: g('bossa', 4, 4, { K: 'x..xx..xx..xx..x', s: 'x..x..x...x..x..', H: 'oooooooooooooooo' }),
  waltz: g('waltz', 3, 4, { K: 'x...........', S: '....x...x...', H: 'x.x.x.x.x.x.' }),
  waltz2: g('waltz2', 3, 4, { K: 'x.......x...', s: '....x.......', R: 'x...x...x...' }),
  six: g('six', 6, 2, { K: 'x.....x.....', S: '......X.....', H: 'x.x.x.x.x.x.' }),
  // Training only (`GROOVES.trainOnly`, recipe pop909-stage-2): drums that do not mark the beat with the
  // kick — a kick only off the beats, accents on the "and", a half-time clap — so the network learns the
  // beat from the whole band. Written apart from the validation and test grooves below.
  songo: g('songo', 4, 4, { K: '...x.......x..x.', s: '..x..x.x..x..x..', H: 'x...x...x...x...' }),
  trap: g('trap', 4, 4, { K: 'x......x..x.....', L: '........X.......', H: 'x.x.xxx.x.x.xxxx' }),
  skank: g('skank', 4, 4, { K: 'x.......x.......', s: '..X...X...X...X.', H: 'xxxxxxxxxxxxxxxx' }),
  tresillo: g('tresillo', 4, 4, { K: 'x..x..x.x..x..x.', S: '....X.......X...', O: '..x...x...x...x.' }),
  waltzsync: g('waltzsync', 3, 4, { K: '......x.....', S: '....x.......', H: 'x.x.x.x.x.x.' }),
  // Validation only (`GROOVES.validation`): syncopated like the test's funk and bossa, written apart
  // from them, so a decoder rule is chosen on peaks between the beats before the test hears any.
  dembow: g('dembow', 4, 4, { K: 'x...x...x...x...', S: '...x..x....x..x.', H: 'x.x.x.x.x.x.x.x.' }),
  breakbeat: g('breakbeat', 4, 4, { K: 'x.x.......xx....', S: '....X..o.o..X..o', R: 'x.x.x.x.x.x.x.x.' }),
  clave: g('clave', 4, 4, { K: '......x.......x.', s: 'x..x..x...x.x...', H: 'x.xxx.xxx.xxx.xx' }),
  waltz3: g('waltz3', 3, 4, { K: 'x.....x.....', s: '....x.....x.', H: 'x.xxx.xxx.xx' }),
};

/** A one-beat fill (toms and snare in sixteenths) for the last beat of a phrase. */
export const FILL: Readonly<Record<string, string>> = { S: 'xx..', t: '..x.', M: '...x' };

/** The grooves in `names` that are written for `beats` beats to the bar (4/4 grooves for anything else). */
export function groovesFor(names: readonly string[], beats: number): Groove[] {
  const all = names.map((n) => GROOVE_LIBRARY[n]).filter((x): x is Groove => x !== undefined);
  const fit = all.filter((x) => x.beats === beats);
  return fit.length > 0 ? fit : all.filter((x) => x.beats === 4);
}
