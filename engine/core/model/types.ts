/**
 * The learning contract: takes (what a rehearsal or show recorded), the model folder's metadata
 * (`precue-model.json`) and its validator.
 *
 * The sequence model is beat-synchronous: its hop is the listening stage's beat. Every beat the
 * recurrent state advances once, from the features of the beat just heard, the beat/bar position and
 * tempo, section novelty, performer events and the cue history; the heads then say, per department,
 * whether a cue fires on the next (predicted) beat, which cue, and how many beats away the next cue is.
 * Between beats the prediction stands and only its countdown moves.
 */
import { z } from 'zod';
import type { ListeningSettings } from '../audio/types.js';
import { POLICY_VERSION, storedPolicySchema } from '../policy/numbers.js';

/**
 * Version of the model folder format this build writes and reads. A folder of another version is
 * refused with the command that retrains it (2: the cue policy's table and the declared input layout
 * are stored in the model).
 */
export const MODEL_FORMAT_VERSION = 2;

/** One cue line of a take's `cues.jsonl`. */
export interface TakeCue {
  /** Seconds from the start of the take's audio. */
  readonly t: number;
  readonly dept: string;
  readonly cue: string;
  /** Who fired it (`model`, `operator`…); absent in hand-written takes. */
  readonly by?: string;
}

/** One line of a take's optional `performer.jsonl`: a performer trigger (MIDI note, OSC, pedal…). */
export interface PerformerEvent {
  readonly t: number;
  /** Free-form kind, e.g. `note`, `osc`, `pedal`. */
  readonly kind: string;
  /** Optional value (note number, OSC argument). */
  readonly value?: number | string;
}

const finite = z.number().refine(Number.isFinite, 'a finite number');

/** Schema of one stored rehearsal take summary (used by the baselines). */
export const rehearsalSummarySchema = z.object({
  name: z.string(),
  durationS: finite,
  cues: z.array(z.object({ t: finite, dept: z.string(), cue: z.string() })),
  /** Offset and frame count of this take's alignment features in `alignment.bin`. */
  alignment: z.object({ offset: z.number().int().nonnegative(), frames: z.number().int().nonnegative(), hopS: finite, firstT: finite }),
  /**
   * Median level (dBFS) of the take in the second before its first cue: what the room sounded like
   * when the show's opening cue went (see `openingLevelDb`).
   */
  openingLevelDb: finite,
  /**
   * Whether the take's first cue went on the band's first attack (`opensOnAttack`): the show's start
   * cue may then go on the attack it hears. Absent in models made before cue policy 9: false.
   */
  opensOnAttack: z.boolean().optional(),
  /**
   * Seconds from the take's first clear attack (the band's entry) to its first cue, where the band
   * entered before it (`entryLeadS`): a count-in's one opens the show where this is under
   * `countInPickupBeats` of the count (a pickup). Absent: no clear attack came first, or a model made
   * before cue policy 11.
   */
  entryLeadS: finite.optional(),
  /**
   * The stretches (seconds from, to) where the take was quiet (`AlignmentFeatures`: the band had
   * stopped): the follower keeps its course through a live break the rehearsal has too and holds its
   * place through one it does not (`FollowTrack.push`). Absent in models made before it was stored:
   * unknown, and the follower keeps its course through every break.
   */
  quietS: z.array(z.tuple([finite, finite])).optional(),
});

/** Schema of `precue-model.json`. */
export const modelMetaSchema = z.object({
  formatVersion: z.number().int().positive(),
  createdBy: z.string(),
  seed: z.number().int(),
  depts: z.array(z.string()).min(1),
  /** Cue vocabulary per department, in list order. */
  vocab: z.record(z.string(), z.array(z.string()).min(1)),
  inputSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  headSize: z.number().int().positive(),
  features: z.object({
    /** The input vector, block by block (see `InputLayout`): checked by name and width on load. */
    layout: z.array(z.object({ name: z.string(), norm: z.string(), width: z.number().int().nonnegative(), entries: z.array(z.string()) })),
    sampleRate: z.number().int().positive(),
    hopSize: z.number().int().positive(),
    bufferSize: z.number().int().positive(),
    /** Mean and standard deviation of the normalised audio entries. */
    mean: z.array(finite),
    std: z.array(finite),
    /**
     * Per department and cue: beats from that cue to the department's next cue in the rehearsals
     * (median; 0 = never seen). The cue history's "due in" entries come from it (see `CueSchedule`).
     */
    schedule: z.record(z.string(), z.array(z.number().int().nonnegative())).optional(),
    /**
     * The score follower the model hears (`followInput.ts`): the stored rehearsal it tracks live. Its
     * entries come last in the input vector. Absent: the model has no follower input.
     */
    follow: z.object({ reference: z.string() }).optional(),
    /** Per department, the rehearsal's cues in firing order (vocabulary indices; -1 unknown): see `CueHistory`. */
    order: z.record(z.string(), z.array(z.number().int().min(-1))).optional(),
    /**
     * The tempo range learned from the rehearsals (see `tempoFit.ts`): the beat tracker runs inside
     * it on the night. Absent when the rehearsals did not settle one (the tracker's defaults apply).
     */
    tempo: z
      .object({ minBpm: finite, maxBpm: finite, priorBpm: finite, priorWidthOctaves: finite })
      .refine((t) => t.minBpm > 0 && t.maxBpm > t.minBpm, 'a tempo range with 0 < minBpm < maxBpm')
      .optional(),
  }),
  /** The cue policy the model was calibrated under: its version, its numbers, what it learned per department. */
  policy: storedPolicySchema,
  training: z.object({
    takes: z.array(z.string()),
    validationTakes: z.array(z.string()),
    epochs: z.number().int().nonnegative(),
    trainLoss: finite,
    /** Null when no take was held out (one take): nothing was validated. */
    validationLoss: finite.nullable(),
    validationFireF1: finite.nullable(),
    seconds: finite,
    audioMinutes: finite,
  }),
  rehearsals: z.array(rehearsalSummarySchema),
  files: z.object({ topology: z.string(), weights: z.string(), alignment: z.string() }),
});

/** Parsed `precue-model.json`. */
export type ModelMeta = z.infer<typeof modelMetaSchema>;

/**
 * Why a model folder's metadata (parsed JSON, not yet validated) cannot run under this build's cue
 * policy and format, or undefined when it can: a model calibrated under other rules is refused, never
 * run under new ones. The message names both versions and the command that retrains it.
 */
export function modelVersionProblem(raw: unknown, dir: string): string | undefined {
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as { formatVersion?: unknown; policy?: { version?: unknown }; training?: { takes?: unknown; validationTakes?: unknown } };
  const format = typeof doc.formatVersion === 'number' ? doc.formatVersion : undefined;
  const policy = typeof doc.policy?.version === 'number' ? doc.policy.version : format !== undefined && format < 2 ? 1 : undefined;
  if (format === MODEL_FORMAT_VERSION && policy === POLICY_VERSION) return undefined;
  const takes = [doc.training?.takes, doc.training?.validationTakes].flatMap((t) => (Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : []));
  const retrain = `precue train --takes ${takes.length > 0 ? takes.map((t) => `<${t}>`).join(' ') : '<rehearsal takes>'} --out ${dir}`;
  const newer = (format ?? 0) > MODEL_FORMAT_VERSION || (policy ?? 0) > POLICY_VERSION;
  return (
    `was made under cue policy version ${policy ?? 'unknown'} (model format ${format ?? 'unknown'}); this Precue decides with policy version ${POLICY_VERSION} (format ${MODEL_FORMAT_VERSION}), ` +
    (newer ? `which is older: update Precue, or retrain the model with this version: ${retrain}` : `so its numbers mean something else here. Retrain it: ${retrain}`)
  );
}

/** The listening settings a model was trained with (analysis frame and, when learned, tempo range): they win over the show's. */
export function modelListening(meta: Pick<ModelMeta, 'features'>): Partial<ListeningSettings> {
  const { sampleRate, bufferSize, hopSize, tempo } = meta.features;
  return { sampleRate, bufferSize, hopSize, ...(tempo ?? {}) };
}
/** One stored rehearsal summary. */
export type RehearsalSummary = z.infer<typeof rehearsalSummarySchema>;

/** Plain weights of the trained network, as the streaming forward pass uses them. */
export interface NetWeights {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly headSize: number;
  /** GRU kernel [inputSize × 3H], recurrent kernel [H × 3H], bias [3H]; gate order z, r, h (tfjs). */
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
  /** Shared dense layer [H × headSize] + bias, ReLU. */
  readonly sharedKernel: Float32Array;
  readonly sharedBias: Float32Array;
  /** Per department: fire (1), cue (vocab) and beats-to-next (1) heads, each [headSize × n] + bias. */
  readonly heads: readonly DeptHeadWeights[];
}

/** One department's output heads. */
export interface DeptHeadWeights {
  readonly dept: string;
  readonly fireKernel: Float32Array;
  readonly fireBias: Float32Array;
  readonly cueKernel: Float32Array;
  readonly cueBias: Float32Array;
  readonly countKernel: Float32Array;
  readonly countBias: Float32Array;
}
