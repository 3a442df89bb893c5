/**
 * The listener's data recipe, in one place: which POP909 songs train, validate and test the learned
 * beat tracker, which soundfonts and drum grooves each set may use, and the ranges of every stage
 * augmentation. The training script, the benchmark and the README all read it from here, and the
 * trained weights carry `RECIPE_VERSION` so a set of weights names the data that made it.
 *
 * The split is by POP909 song number and was fixed before any training (see bench/listener/README.md):
 *   test        song number ≡ 0 (mod 10)  — never trained or tuned on; bench/beats.ts reports on them
 *   validation  song number ≡ 5 (mod 10)  — model selection and the decoder's tuning
 *   train       every other song
 */

/**
 * The evaluation renders' version: it seeds and keys every performance, stage take and rehearsal (of the
 * validation and the test songs). Frozen on purpose: a new training recipe must not change the takes
 * that judge it, or figures before and after a retrain would be on different music.
 */
export const EVAL_RENDER_VERSION = 'pop909-stage-1';

/** The version that seeds and keys a render of `kind`. */
export function renderVersion(kind: 'train' | 'validation' | 'performance' | 'stage' | 'rehearsal'): string {
  return kind === 'train' || kind === 'validation' ? RECIPE_VERSION : EVAL_RENDER_VERSION;
}

/** Which set a song belongs to. */
export type SongSet = 'train' | 'validation' | 'test';

/** The fixed split by song number. */
export function songSet(id: string | number): SongSet {
  const n = typeof id === 'number' ? id : Number(id);
  if (n % 10 === 0) return 'test';
  if (n % 10 === 5) return 'validation';
  return 'train';
}

/** All POP909 song ids (001…909) of a set. */
export function songsOf(set: SongSet): string[] {
  const out: string[] = [];
  for (let n = 1; n <= 909; n++) if (songSet(n) === set) out.push(String(n).padStart(3, '0'));
  return out;
}

/** `count` ids spread evenly over a set (the same ones every run). */
export function spreadSongs(set: SongSet, count: number): string[] {
  const all = songsOf(set);
  if (count >= all.length) return all;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(all[Math.floor((i * all.length) / count)]!);
  return out;
}

/** Soundfonts (Debian packages in brackets). The test set's is never used in training. */
export const SOUNDFONTS = {
  /** fluid-soundfont-gm, musescore-general-soundfont-small, opl3-soundfont, csound-soundfont */
  train: [
    '/usr/share/sounds/sf2/FluidR3_GM.sf2',
    '/usr/share/sounds/sf3/MuseScore_General_Lite.sf3',
    '/usr/share/sounds/sf2/OPL-3_FM_128M.sf2',
    '/usr/share/sounds/sf2/sf_GMbank.sf2',
  ],
  /** timgm6mb-soundfont: the held-out renders. */
  test: '/usr/share/sounds/sf2/TimGM6mb.sf2',
  /** Rehearsals of a held-out song (the priors): a band's rehearsal recorded on another rig. */
  rehearsal: '/usr/share/sounds/sf2/FluidR3_GM.sf2',
  /**
   * A validation song played by an unseen band (`RenderRequest.unseen`): the test set's situation
   * without its songs or sounds. musescore-general-soundfont (the full MuseScore General, of which
   * training hears only the Lite cut) for the band and a drum kit no render has used:
   * avldrums.lv2-soundfont's Red Zeppelin (acoustic multi-samples, GM keys, program 0 of bank 0).
   */
  unseen: '/usr/share/sounds/sf3/MuseScore_General.sf3',
  unseenDrums: '/usr/share/sounds/sf2/Red_Zeppelin_4_LV2.sf2',
} as const;

/** Debian packages the renders need. */
export const SOUNDFONT_PACKAGES = 'fluidsynth sox fluid-soundfont-gm musescore-general-soundfont-small opl3-soundfont csound-soundfont timgm6mb-soundfont';
/** What the unseen-band validation renders need besides. */
export const UNSEEN_PACKAGES = 'musescore-general-soundfont avldrums.lv2-soundfont';

/**
 * Drum grooves by name. funk, bossa and waltz2 (3/4) are test-only; the test set shares the others with
 * training. The unseen-band validation renders play grooves of their own, built the way the test's are
 * (two syncopated 4/4 grooves, a 3/4 one, the same shared ones), so that a rule chosen on validation
 * has met peaks between the beats before the test set is run.
 */
export const GROOVES = {
  /** Training renders and the ordinary validation songs' performances and rehearsals. */
  train: ['rock', 'pop16', 'disco', 'halftime', 'ballad', 'ride', 'reggae', 'train', 'shuffle', 'jazz', 'waltz', 'six'],
  /**
   * Training renders only, under recipe pop909-stage-2 (not the shipped one): grooves whose kick does not
   * mark the beat (stage 1's network took a kick on the "and" for the beat; bench/listener/README, "An
   * unseen band").
   */
  trainOnly: ['songo', 'trap', 'skank', 'tresillo', 'waltzsync'],
  test: ['funk', 'bossa', 'pop16', 'ballad', 'rock', 'waltz2', 'six'],
  validation: ['dembow', 'breakbeat', 'clave', 'pop16', 'ballad', 'rock', 'waltz3', 'six'],
} as const;

/**
 * The training recipes by version: what a training render (kinds 'train' and 'validation', the network's
 * data and its epoch choice) plays besides `GROOVES.train`. A new recipe gets a new version; the trained
 * weights carry theirs.
 *   pop909-stage-1  the shipped networks' recipe.
 *   pop909-stage-2  + the training-only grooves. Tried in stop 36 (seed 1, 160 songs, 7 epochs, best epoch
 *                   5): no better on either validation set, not shipped (bench/listener/README.md).
 */
export const RECIPES = {
  'pop909-stage-1': { extraGrooves: [] as readonly string[] },
  'pop909-stage-2': { extraGrooves: GROOVES.trainOnly as readonly string[] },
} as const;

/** The training recipe in use: the shipped one, or another named by `LISTENER_RECIPE` (train.ts, trainBars.ts). */
export const RECIPE_VERSION: keyof typeof RECIPES = recipeFromEnv(process.env['LISTENER_RECIPE']);

function recipeFromEnv(name: string | undefined): keyof typeof RECIPES {
  if (name === undefined || name === '') return 'pop909-stage-1';
  if (!(name in RECIPES)) throw new RangeError(`LISTENER_RECIPE=${name}: not a recipe (${Object.keys(RECIPES).join(', ')})`);
  return name as keyof typeof RECIPES;
}

/** The grooves a training render draws from under the recipe in use. */
export const TRAINING_GROOVES: readonly string[] = [...GROOVES.train, ...RECIPES[RECIPE_VERSION].extraGrooves];

/** GM programs per part (melody, counter-line, accompaniment, bass) and drum kits. */
export const PROGRAMS = {
  melody: [0, 4, 5, 11, 16, 19, 24, 25, 26, 40, 52, 56, 65, 66, 71, 73, 80, 81],
  bridge: [0, 4, 24, 25, 48, 49, 50, 52, 61, 88, 89],
  accompaniment: [0, 1, 2, 4, 5, 6, 16, 24, 25, 26, 27, 46, 48],
  bass: [32, 33, 34, 35, 38, 39],
  kits: [0, 8, 16, 24, 25, 32, 40],
} as const;

/** Ranges of the augmentations per kind of render. */
export interface AugmentRanges {
  /** Overall tempo factor, log-uniform in [lo, hi]. */
  readonly tempoScale: readonly [number, number];
  /** Chance of a tempo step at a section boundary, and its size range (±). */
  readonly tempoStepChance: number;
  readonly tempoStep: readonly [number, number];
  /** Depth of the tempo curve within a bar (per-beat speed ±depth), uniform in [0, max]. */
  readonly swayMax: number;
  /** Chance that a section ends with a held last beat ("breathes"), and the hold factor range. */
  readonly breatheChance: number;
  readonly breathe: readonly [number, number];
  /** Chance of drums at all; of drums resting for 8 bars; of drums entering only at the second section. */
  readonly drumsChance: number;
  readonly drumDropChance: number;
  readonly drumsLateChance: number;
  /** Chance of a bass line. */
  readonly bassChance: number;
  /** Chance of turning 4/4 into 3/4 by dropping the fourth beat of every bar. */
  readonly threeFourChance: number;
  /** Chance of a repeated and a skipped section (a band that jumps). */
  readonly rearrangeChance: number;
  /** Room: chance of noise, its level below the music (dB), seconds of noise before the band. */
  readonly roomChance: number;
  readonly noiseBelowDb: readonly [number, number];
  readonly preRollS: readonly [number, number];
  /** Chance of reverb, of EQ, of level rides; overall gain range (dB). */
  readonly reverbChance: number;
  readonly eqChance: number;
  readonly levelRideChance: number;
  readonly gainDb: readonly [number, number];
  /** Output sample rates to draw from. */
  readonly sampleRates: readonly number[];
}

/** Training renders: wide tempo range, everything on sometimes. */
export const TRAIN_AUGMENT: AugmentRanges = {
  tempoScale: [0.75, 1.6],
  tempoStepChance: 0.4,
  tempoStep: [0.03, 0.1],
  swayMax: 0.06,
  breatheChance: 0.3,
  breathe: [1.3, 2],
  drumsChance: 0.8,
  drumDropChance: 0.5,
  drumsLateChance: 0.4,
  bassChance: 0.6,
  threeFourChance: 0.12,
  rearrangeChance: 0.3,
  roomChance: 0.6,
  noiseBelowDb: [12, 40],
  preRollS: [0, 8],
  reverbChance: 0.5,
  eqChance: 0.6,
  levelRideChance: 0.5,
  gainDb: [-24, 0],
  sampleRates: [22050, 44100, 48000],
};

/** A held-out performance: near the written tempo, a tempo step, drums resting 8 bars, a jump. No room. */
export const PERFORMANCE_AUGMENT: AugmentRanges = {
  tempoScale: [0.92, 1.1],
  tempoStepChance: 1,
  tempoStep: [0.04, 0.08],
  swayMax: 0.04,
  breatheChance: 0.5,
  breathe: [1.3, 1.8],
  drumsChance: 1,
  drumDropChance: 1,
  drumsLateChance: 0.5,
  bassChance: 1,
  threeFourChance: 0,
  rearrangeChance: 1,
  roomChance: 0,
  noiseBelowDb: [0, 0],
  preRollS: [0, 0],
  reverbChance: 0,
  eqChance: 0,
  levelRideChance: 0,
  gainDb: [-3, -3],
  sampleRates: [22050],
};

/** The same performance on a stage: room noise before and under the band, reverb, EQ, level rides, 44.1/48 kHz. */
export const STAGE_AUGMENT: AugmentRanges = {
  ...PERFORMANCE_AUGMENT,
  roomChance: 1,
  noiseBelowDb: [15, 25],
  preRollS: [3, 8],
  reverbChance: 1,
  eqChance: 1,
  levelRideChance: 1,
  gainDb: [-18, -3],
  sampleRates: [44100, 48000],
};

/** A rehearsal of a held-out song: a training soundfont, clean, ±1–3 % tempo, the song as written. */
export const REHEARSAL_AUGMENT: AugmentRanges = {
  ...PERFORMANCE_AUGMENT,
  tempoScale: [0.97, 1.03],
  tempoStepChance: 0,
  swayMax: 0.02,
  breatheChance: 0,
  drumDropChance: 0,
  drumsLateChance: 0,
  rearrangeChance: 0,
};
