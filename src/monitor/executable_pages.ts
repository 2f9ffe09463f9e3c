/**
 * Giving back the pages of the executable that a long-lived process touched
 * once, at start-up. Deno's start (snapshot, module loading, compiling)
 * touches some 35 MB of its own executable's code and read-only data that
 * the monitor's steady work (a timer, a few fstat calls, a record write on
 * an exit) never touches again; they stay mapped and count in its PSS
 * (`/proc/<pid>/smaps_rollup`: Pss_File) until the process exits.
 *
 * madvise(MADV_DONTNEED) over those mappings drops them from this
 * process's page tables only: the pages stay in the page cache (the next
 * CLI start finds them there, unlike MADV_PAGEOUT, which would reclaim
 * them and have the next start read the disk), and whatever this process
 * touches again is mapped back from the cache by a minor fault.
 *
 * Only mappings whose content is the file's are released: private,
 * not writable, and with no anonymous (copied-on-write) page, as smaps
 * counts them. A writable mapping (.data, .bss) or one made read-only after
 * the loader wrote it (RELRO) holds content the file does not have, which
 * MADV_DONTNEED would lose: those are never touched. A read-only private
 * mapping gets no new copied page between the smaps read and the madvise
 * (only a debugger's write could make one).
 *
 * @module
 */

import { MADV_DONTNEED } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";

/** One mapping of /proc/<pid>/smaps, as far as releasing it is decided on. */
export interface Mapping {
  start: bigint;
  end: bigint;
  /** `r-xp` and the like. */
  perms: string;
  /** The mapped file's path; "" for anonymous memory. */
  path: string;
  /** Resident kB (Rss:). */
  rssKb: number;
  /** kB of anonymous pages in it (Anonymous:): copies this process made of file pages. */
  anonymousKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+ *(.*)$/;

/** The mappings of smaps lines (`/proc/<pid>/smaps`). */
export function parseSmaps(lines: Iterable<string>): Mapping[] {
  const maps: Mapping[] = [];
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      maps.push({
        start: BigInt(`0x${header[1]}`),
        end: BigInt(`0x${header[2]}`),
        perms: header[3],
        path: header[4],
        rssKb: 0,
        anonymousKb: 0,
      });
      continue;
    }
    const last = maps.at(-1);
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!last || !field) continue;
    if (field[1] === "Rss") last.rssKb = Number(field[2]);
    else last.anonymousKb = Number(field[2]);
  }
  return maps;
}

/**
 * The lines of the file at `path`, read through one small buffer: the
 * process's smaps is some 300 kB, which read whole would be one more
 * large string (and a large read buffer) left for the collector in the
 * very process whose memory this is about.
 */
function* linesOf(path: string): Generator<string> {
  const file = Deno.openSync(path);
  try {
    const buf = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    let rest = "";
    for (let n = file.readSync(buf); n !== null; n = file.readSync(buf)) {
      const lines = (rest + decoder.decode(buf.subarray(0, n), { stream: true })).split("\n");
      rest = lines.pop()!;
      yield* lines;
    }
    if (rest) yield rest;
  } finally {
    file.close();
  }
}

/**
 * The mappings of `executable` whose resident pages are all the file's own:
 * private, not writable, no anonymous page, something resident.
 */
export function releasableMappings(maps: readonly Mapping[], executable: string): Mapping[] {
  return maps.filter((m) =>
    m.path === executable && m.perms[1] !== "w" && m.perms[3] === "p" &&
    m.anonymousKb === 0 && m.rssKb > 0
  );
}

/**
 * Drops this process's mapped pages of its own executable that are the
 * file's content (see the module's comment); returns the kB that were
 * resident in them. Call it when the process is idle: what it touches
 * next comes back by minor faults.
 */
export function releaseExecutablePages(kernel: Kernel): number {
  // The path as the kernel names the mapping: the executable's real path.
  const executable = Deno.readLinkSync("/proc/self/exe");
  const mappings = releasableMappings(
    parseSmaps(linesOf("/proc/self/smaps")),
    executable,
  );
  for (const m of mappings) kernel.madvise(m.start, m.end - m.start, MADV_DONTNEED);
  return mappings.reduce((kb, m) => kb + m.rssKb, 0);
}
