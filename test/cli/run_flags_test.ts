import { assertEquals, assertThrows } from "../_assert.ts";
import { parseEnv, parseVolume } from "../../src/cli/run_flags.ts";

Deno.test("volume: HOST:CONTAINER[:ro], paths cleaned", () => {
  assertEquals(parseVolume("/srv/data:/data"), {
    source: "/srv/data",
    destination: "/data",
    readOnly: false,
  });
  assertEquals(parseVolume("/a/../b//c:/x/./y/:ro"), {
    source: "/b/c",
    destination: "/x/y",
    readOnly: true,
  });
});

Deno.test("volume: bad specifications are refused", () => {
  assertThrows(() => parseVolume("/only"), /invalid volume specification/);
  assertThrows(() => parseVolume("rel:/data"), /host path must be absolute/);
  assertThrows(() => parseVolume("/a:rel"), /mount path must be absolute/);
  assertThrows(() => parseVolume("/a:/b:rx"), /invalid mode: rx/);
  assertThrows(() => parseVolume("/a:/.."), /destination can't be '\/'/);
  assertThrows(() => parseVolume("/a:/b:ro:x"), /invalid volume specification/);
});

Deno.test("env: K=V kept, bare K taken from dockergsh's environment", () => {
  assertEquals(parseEnv("A=b=c"), "A=b=c");
  Deno.env.set("DGSH_TEST_ENV", "v");
  assertEquals(parseEnv("DGSH_TEST_ENV"), "DGSH_TEST_ENV=v");
  assertEquals(parseEnv("DGSH_TEST_UNSET_XYZ"), undefined);
  assertThrows(() => parseEnv("=x"), /invalid environment variable/);
});
