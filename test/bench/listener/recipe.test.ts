import { describe, expect, it } from 'vitest';
import { GROOVE_LIBRARY } from '../../../bench/listener/grooves.js';
import { EVAL_RENDER_VERSION, GROOVES, RECIPE_VERSION, RECIPES, SOUNDFONTS, TRAINING_GROOVES, renderVersion, songSet } from '../../../bench/listener/recipe.js';

// The listener's split must stay honest: what the test set hears, training and validation never do,
// and what the unseen-band validation renders hear, training and the test set never do.
describe('the listener recipe keeps its sets apart', () => {
  it('gives every named groove a definition', () => {
    for (const name of [...GROOVES.train, ...GROOVES.trainOnly, ...GROOVES.test, ...GROOVES.validation]) expect(GROOVE_LIBRARY[name], name).toBeDefined();
  });

  it('keeps the training-only grooves out of validation and test', () => {
    for (const g of GROOVES.trainOnly) {
      expect(GROOVES.validation as readonly string[]).not.toContain(g);
      expect(GROOVES.test as readonly string[]).not.toContain(g);
      expect(GROOVES.train as readonly string[]).not.toContain(g);
    }
  });

  it('keeps the test-only and validation-only grooves out of every other set', () => {
    const testOnly = GROOVES.test.filter((g) => !(GROOVES.train as readonly string[]).includes(g));
    const validationOnly = GROOVES.validation.filter((g) => !(GROOVES.train as readonly string[]).includes(g));
    expect(testOnly).toEqual(['funk', 'bossa', 'waltz2']);
    expect(validationOnly).toEqual(['dembow', 'breakbeat', 'clave', 'waltz3']);
    for (const g of testOnly) expect(GROOVES.validation as readonly string[]).not.toContain(g);
    for (const g of validationOnly) expect(GROOVES.test as readonly string[]).not.toContain(g);
  });

  it('keeps the held-back sounds out of training, and the test sound out of validation', () => {
    const train = SOUNDFONTS.train as readonly string[];
    for (const sf of [SOUNDFONTS.test, SOUNDFONTS.unseen, SOUNDFONTS.unseenDrums]) expect(train).not.toContain(sf);
    expect([SOUNDFONTS.unseen, SOUNDFONTS.unseenDrums]).not.toContain(SOUNDFONTS.test);
  });

  it("trains on the recipe in use: the shipped networks' adds nothing to the shared grooves", () => {
    expect(RECIPES['pop909-stage-1'].extraGrooves).toEqual([]);
    expect(RECIPES['pop909-stage-2'].extraGrooves).toEqual(GROOVES.trainOnly);
    expect(TRAINING_GROOVES).toEqual([...GROOVES.train, ...RECIPES[RECIPE_VERSION].extraGrooves]);
    expect(RECIPE_VERSION).toBe(process.env['LISTENER_RECIPE'] ?? 'pop909-stage-1');
  });

  it('seeds the evaluation renders apart from the training recipe, which may change', () => {
    expect(['train', 'validation'].map((k) => renderVersion(k as 'train'))).toEqual([RECIPE_VERSION, RECIPE_VERSION]);
    expect((['performance', 'stage', 'rehearsal'] as const).map(renderVersion)).toEqual([EVAL_RENDER_VERSION, EVAL_RENDER_VERSION, EVAL_RENDER_VERSION]);
    // The held-out takes every figure so far was measured on.
    expect(EVAL_RENDER_VERSION).toBe('pop909-stage-1');
  });

  it('splits by song number', () => {
    expect([songSet(10), songSet(15), songSet(11), songSet('905'), songSet('900')]).toEqual(['test', 'validation', 'train', 'validation', 'test']);
  });
});
