/**
 * Which of a process's mappings the idle monitor gives back, and what a
 * release does on the real kernel, in this test process (a Deno, as the
 * monitor is).
 */

import { assert, assertEquals } from "../_assert.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import {
  type Mapping,
  parseSmaps,
  releasableMappings,
  releaseExecutablePages,
} from "../../src/monitor/executable_pages.ts";

const EXE = "/opt/deno";

/** One smaps entry as the kernel prints it, with only the fields that matter here. */
function entry(range: string, perms: string, path: string, rss: number, anon: number): string {
  return [
    `${range} ${perms} 00001000 fe:00 1234${path ? `                       ${path}` : ""}`,
    `Size:               ${rss + 8} kB`,
    `Rss:                ${rss} kB`,
    `Pss:                ${rss} kB`,
    `Anonymous:          ${anon} kB`,
    `VmFlags: rd mr mw me`,
  ].join("\n");
}

Deno.test("parseSmaps: each mapping's range, permissions, path, Rss and Anonymous", () => {
  const text = [
    entry("55e737ade000-55e73966c000", "r--p", EXE, 704, 0),
    entry("7f6edfdc0000-7f6edffe6000", "rw-p", "", 52, 52),
  ].join("\n");
  assertEquals(parseSmaps(text.split("\n")), [
    {
      start: 0x55e737ade000n,
      end: 0x55e73966c000n,
      perms: "r--p",
      path: EXE,
      rssKb: 704,
      anonymousKb: 0,
    },
    {
      start: 0x7f6edfdc0000n,
      end: 0x7f6edffe6000n,
      perms: "rw-p",
      path: "",
      rssKb: 52,
      anonymousKb: 52,
    },
  ]);
});

Deno.test("releasableMappings: only the executable's private read-only mappings with no copied page", () => {
  const maps = parseSmaps(
    [
      entry("1000-2000", "r--p", EXE, 4, 0), // headers and read-only data: released
      entry("2000-3000", "r-xp", EXE, 4, 0), // code: released
      entry("3000-4000", "r--p", EXE, 4, 4), // RELRO: written by the loader, then made read-only
      entry("4000-5000", "rw-p", EXE, 4, 0), // .data not written yet: writable, kept
      entry("5000-6000", "r-xp", EXE, 4, 4), // code with a breakpoint a debugger wrote
      entry("6000-7000", "r--s", EXE, 4, 0), // shared
      entry("7000-8000", "r-xp", EXE, 0, 0), // nothing resident
      entry("8000-9000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 4, 0), // another file
      entry("9000-a000", "r-xp", `${EXE}.old`, 4, 0),
      entry("a000-b000", "r--p", "", 4, 0), // anonymous
    ].join("\n").split("\n"),
  );
  assertEquals(
    releasableMappings(maps, EXE).map((m: Mapping) => `${m.start.toString(16)} ${m.perms}`),
    ["1000 r--p", "2000 r-xp"],
  );
});

/** This process's mappings of its executable, by start address. */
function ownExecutableMappings(): Map<bigint, Mapping> {
  const exe = Deno.readLinkSync("/proc/self/exe");
  const maps = parseSmaps(Deno.readTextFileSync("/proc/self/smaps").split("\n"));
  return new Map(maps.filter((m) => m.path === exe).map((m) => [m.start, m]));
}

Deno.test("releaseExecutablePages: the executable's pages leave this process's memory; copied pages stay", () => {
  const before = ownExecutableMappings();
  const releasable = releasableMappings([...before.values()], Deno.readLinkSync("/proc/self/exe"));
  const residentBefore = releasable.reduce((kb, m) => kb + m.rssKb, 0);
  // A Deno that has run its start-up holds tens of MB of its executable (35 MB measured).
  assert(residentBefore > 8 * 1024, `${residentBefore} kB resident before`);

  const released = releaseExecutablePages(new LinuxKernel());
  const after = ownExecutableMappings();

  assert(released >= residentBefore / 2, `${released} kB released of ${residentBefore}`);
  // Code run since (this test, the smaps read) is back, a small part of what was.
  const residentAfter = releasable.reduce((kb, m) => kb + (after.get(m.start)?.rssKb ?? 0), 0);
  assert(residentAfter < residentBefore / 2, `${residentAfter} kB of ${residentBefore} kB`);
  // Mappings with content the file lacks (.data, RELRO) kept every page.
  const copied = [...before.values()].filter((m) => m.anonymousKb > 0);
  assert(copied.length > 0, "the executable has written mappings (.data)");
  for (const m of copied) {
    const now = after.get(m.start);
    assert(now !== undefined && now.anonymousKb >= m.anonymousKb, `${m.perms} at ${m.start}`);
  }
});
