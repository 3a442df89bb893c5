/**
 * Typed access to osc-js's encoder classes. osc-js is CommonJS whose typings declare an ES default
 * export; under NodeNext TypeScript and Node disagree about what the default import is, so this one
 * file reconciles them (runtime: `module.exports` is the OSC class with the codec classes as statics).
 */
import oscModule from 'osc-js';

type OscDefault = typeof oscModule extends { default: infer D } ? D : typeof oscModule;

/** The osc-js namespace object (Message, TypedMessage, Bundle, Packet…). */
export const OSC: OscDefault = ((oscModule as unknown as { default?: OscDefault }).default ?? (oscModule as unknown as OscDefault));
