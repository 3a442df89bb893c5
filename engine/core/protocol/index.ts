/**
 * The console protocol, shared by the engine's server and the console page. The page may import
 * everything here (types, validators, pure helpers); nothing here touches Node or the DOM.
 */
export * from './state.js';
export * from './devices.js';
export * from './continuity.js';
export * from './messages.js';
export * from './dmx.js';
export * from './apply.js';
export * from './programming.js';
export * from './timeline.js';
export type { CommandIssuer, CommandResult, ConsoleEngine } from './port.js';
export * from './shadow.js';
