/**
 * Progress of a pull or push, as Docker's daemon reports it: events with
 * an ID (a layer's short digest, or a tag) and a status, the per-layer ones
 * (`layer`) updated in place on a terminal, some with a byte count
 * (`Downloading`). Off a terminal Docker prints each event as a line and
 * leaves the byte counts out (`plainLine`); src/cli/_progress.ts draws them
 * on a terminal.
 *
 * @module
 */

/** One progress event. */
export interface ProgressEvent {
  /** `d648b48e7ed8` (a layer), `latest` (a tag), or none (`Digest: …`). */
  id?: string;
  status: string;
  /** A layer's line, redrawn in place on a terminal. */
  layer?: boolean;
  /** Bytes done and in all, for a progress bar. */
  current?: number;
  total?: number;
  /** When the work started (ms since the epoch), for the time left. */
  start?: number;
}

/** Where events go. */
export type ProgressSink = (event: ProgressEvent) => void;

/** Docker's line for `event` off a terminal; undefined for a byte-count update (not printed there). */
export function plainLine(event: ProgressEvent): string | undefined {
  if (event.current !== undefined) return undefined;
  return event.id === undefined ? event.status : `${event.id}: ${event.status}`;
}
