/** One show-file migration step. `up` receives the parsed JSON of a version-`from` file. */
export interface Migration {
  readonly from: number;
  readonly reason: string;
  up(doc: Record<string, unknown>): Record<string, unknown>;
}
