/** The arbiter: predictions + operator + triggers → decisions, and the console's view of it. */
export { arbitrate, arbiterConfigFromShow, type Arbiter, type ArbiterConfig, type ArbiterDeptConfig, type ArbiterInputs, type ArbiterState, type ArbiterDeptState, type ConsoleInput, type ShownPrediction, type StackFeedback } from './arbiter.js';
export { type Decision, type DecisionAction, type DecisionSource, type DeptMode, type Prediction } from './types.js';
export { timecodeTriggers, timecodeCues, MAX_TIMECODE_STEP_S } from './timecode.js';
