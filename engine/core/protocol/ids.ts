/** The names the console protocol's messages share (cue numbers, department ids). */
import { z } from 'zod';

/** A cue number as written in the show: digits with an optional point, e.g. `12.5`. */
export const cueNumberSchema = z.string().regex(/^\d{1,6}(\.\d{1,3})?$/, 'a cue number such as 12 or 12.5');

/** A department id such as `LX`, `VID`, `CAM`. */
export const deptIdSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/, 'a department id such as LX');
