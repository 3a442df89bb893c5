/**
 * When a universe goes on the wire: the refresh rules of the output protocols, in one place.
 *
 * - E1.31 (sACN): a source whose data stops changing may drop to keep-alives (E1.31-2016 §6.6.1:
 *   at least one packet a second; receivers declare data loss after 2.5 s), after repeating the last
 *   change so one lost datagram cannot leave a receiver on a stale look. ETC's reference source
 *   sends the change and three more packets before suppressing; so do we.
 * - Art-Net 4: ArtDmx is sent when the data changes, with a keep-alive at least every 4 s.
 * - Enttec DMX USB Pro: the widget refreshes the DMX line itself from its last frame.
 * - Enttec Open DMX: the host generates every DMX frame; stop sending and the line goes quiet.
 *
 * So every output sends on change plus keep-alives (`keepAliveMs`, default 1 s, within every
 * protocol's limit), except Open DMX, which streams at the universe's rate; a show can still ask
 * any universe to stream (`sendOnChange: false`) for a receiver that wants it.
 */
import { type UniverseOutput } from '../show/schema.js';

/** Identical packets sent after a change, before keep-alives take over. */
export const REPEATS_AFTER_CHANGE = 3;

/** Whether a universe is sent on change (plus repeats and keep-alives) rather than streamed at its rate. */
export function sendsOnChange(universe: Pick<UniverseOutput, 'sendOnChange' | 'driver'>): boolean {
  return universe.sendOnChange ?? universe.driver.kind !== 'open-dmx';
}
