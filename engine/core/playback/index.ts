/** Playback: cue stacks, fades, tracking, move-in-black, effects, cue messages. */
export { createPlayback, Playback, type LookRenderer, type PlaybackOptions, type PlaybackFrame, type PlaybackState } from './playback.js';
export { DeptPlayback, type StackState, type PlaybackEvent, type TimedMessage, type FireReason } from './deptPlayback.js';
export { AudioFeed, type FeatureInput } from './audioFeed.js';
export { cueDurationMs, applyCurve, curveId } from './timing.js';
export { SLOTS_PER_FIXTURE, SLOT_INTENSITY, SLOT_RED, SLOT_GREEN, SLOT_BLUE, SLOT_WHITE, SLOT_PAN, SLOT_TILT } from './slots.js';
