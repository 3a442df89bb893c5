/**
 * The model's input vector, declared once: its blocks in order (audio, beat, cue history, score
 * follower), each with its entries by name, its width and how it is normalised. Training builds its
 * rows through it, the live predictor builds its vector through it, and the model folder stores it, so
 * a model whose stored layout differs from what this build makes (another feature, another order,
 * another width) is refused by name, not misread.
 */
import { AUDIO_FEATURE_NAMES, BEAT_FEATURE_NAMES, CueHistory, type CueSchedule } from './beatInput.js';
import { followEntryNames } from './followInput.js';

/** How a block's entries are normalised before the network sees them. */
export type InputNorm =
  /** Minus the training mean, over the training standard deviation (stored in the model). */
  | 'zscore'
  /** Already in 0..1 or one-hot. */
  | 'none';

/** One block of the input vector. */
export interface InputBlock {
  readonly name: 'audio' | 'beat' | 'history' | 'follow';
  readonly norm: InputNorm;
  readonly entries: readonly string[];
}

/** What decides the layout besides the code: the departments, their cues and what training learned. */
export interface LayoutSpec {
  readonly depts: readonly string[];
  readonly vocab: Readonly<Record<string, readonly string[]>>;
  readonly schedule?: CueSchedule;
  readonly order?: CueSchedule;
  /** Whether the model hears a score follower. */
  readonly follow: boolean;
}

/** The input layout, with each block's offset. */
export class InputLayout {
  readonly blocks: readonly InputBlock[];
  private readonly offsets = new Map<InputBlock['name'], number>();
  /** Entries in all. */
  readonly width: number;

  constructor(blocks: readonly InputBlock[]) {
    this.blocks = blocks;
    let o = 0;
    for (const b of blocks) {
      this.offsets.set(b.name, o);
      o += b.entries.length;
    }
    this.width = o;
  }

  /** Builds this build's layout for a model. */
  static of(spec: LayoutSpec): InputLayout {
    const history = new CueHistory(spec.depts, spec.vocab, spec.schedule, spec.order);
    return new InputLayout([
      { name: 'audio', norm: 'zscore', entries: AUDIO_FEATURE_NAMES },
      { name: 'beat', norm: 'none', entries: BEAT_FEATURE_NAMES },
      { name: 'history', norm: 'none', entries: history.names() },
      ...(spec.follow ? [{ name: 'follow' as const, norm: 'none' as const, entries: followEntryNames(spec.depts, spec.vocab) }] : []),
    ]);
  }

  /** Where a block starts in the vector (-1 when the layout has no such block). */
  offset(name: InputBlock['name']): number {
    return this.offsets.get(name) ?? -1;
  }

  /** Width of a block (0 when absent). */
  widthOf(name: InputBlock['name']): number {
    return this.blocks.find((b) => b.name === name)?.entries.length ?? 0;
  }

  /** Writes a block's values into a vector that starts at `base`. */
  write(target: Float32Array, base: number, name: InputBlock['name'], values: ArrayLike<number>): void {
    const o = this.offset(name);
    const w = this.widthOf(name);
    if (o < 0 || values.length !== w) throw new RangeError(`input block '${name}' takes ${w} entries, got ${values.length}`);
    target.set(values, base + o);
  }

  /** The layout as stored in a model folder. */
  toJSON(): { name: string; norm: InputNorm; width: number; entries: readonly string[] }[] {
    return this.blocks.map((b) => ({ name: b.name, norm: b.norm, width: b.entries.length, entries: b.entries }));
  }
}

/**
 * Why a stored layout does not match this build's, in one sentence per difference (empty: it matches).
 * Names and widths are compared block by block, then entry by entry.
 */
export function layoutDifferences(stored: readonly { name: string; norm: string; width: number; entries: readonly string[] }[], current: InputLayout): string[] {
  const out: string[] = [];
  const names = (l: readonly { name: string }[]): string => l.map((b) => b.name).join(', ');
  if (names(stored) !== names(current.blocks)) {
    out.push(`its input blocks are [${names(stored)}], this build makes [${names(current.blocks)}]`);
    return out;
  }
  stored.forEach((s, i) => {
    const c = current.blocks[i]!;
    if (s.norm !== c.norm) out.push(`input block '${s.name}' is normalised '${s.norm}' in the model, '${c.norm}' here`);
    if (s.width !== s.entries.length) out.push(`input block '${s.name}' claims ${s.width} entries but names ${s.entries.length}`);
    if (s.entries.length !== c.entries.length) {
      out.push(`input block '${s.name}' is ${s.entries.length} wide in the model, ${c.entries.length} in this build`);
      return;
    }
    const k = s.entries.findIndex((e, j) => e !== c.entries[j]);
    if (k >= 0) out.push(`input block '${s.name}' entry ${k + 1} is '${s.entries[k]!}' in the model, '${c.entries[k]!}' in this build`);
  });
  return out;
}
