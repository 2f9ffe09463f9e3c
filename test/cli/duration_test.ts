/** Go's duration syntax, as Docker's flags read and print it (values from Go's time package docs). */

import { assertEquals } from "../_assert.ts";
import { formatGoDuration, parseGoDuration } from "../../src/_duration.ts";
import { parseLogTime } from "../../src/cli/commands/logs.ts";

Deno.test("Go durations: parsed and printed as Go does", () => {
  assertEquals(parseGoDuration("1h30m"), 5400e9);
  assertEquals(parseGoDuration("1.5s"), 1.5e9);
  assertEquals(parseGoDuration("300ms"), 300e6);
  assertEquals(parseGoDuration("-2m"), -120e9);
  assertEquals(parseGoDuration("0"), 0);
  assertEquals(parseGoDuration("1"), undefined, "a number needs a unit");
  assertEquals(parseGoDuration("x"), undefined);
  assertEquals(formatGoDuration(1e9), "1s");
  assertEquals(formatGoDuration(1.5e9), "1.5s");
  assertEquals(formatGoDuration(500e6), "500ms");
  assertEquals(formatGoDuration(60e9), "1m0s");
  assertEquals(formatGoDuration(3723e9), "1h2m3s");
});

Deno.test("logs --since/--until: durations before now, Unix seconds, RFC 3339 times", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  assertEquals(parseLogTime("since", "10m", now).toISOString(), "2026-12-01T11:50:00.000Z");
  assertEquals(parseLogTime("since", "1764590400", now).toISOString(), "2025-12-01T12:00:00.000Z");
  assertEquals(
    parseLogTime("since", "2026-12-01T11:00:00Z", now).toISOString(),
    "2026-12-01T11:00:00.000Z",
  );
  assertEquals(parseLogTime("until", "2026-12-01", now).toISOString(), "2026-12-01T00:00:00.000Z");
});
