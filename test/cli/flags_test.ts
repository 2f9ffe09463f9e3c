import { assertEquals, assertThrows } from "../_assert.ts";
import { type FlagSpec, parseFlags } from "../../src/cli/flags.ts";

const SPECS: FlagSpec[] = [
  { long: "interactive", short: "i", kind: "bool", help: "" },
  { long: "tty", short: "t", kind: "bool", help: "" },
  { long: "env", short: "e", kind: "list", help: "" },
  { long: "name", kind: "string", help: "" },
  { long: "net", kind: "string", aliases: ["network"], help: "" },
];

Deno.test("flags: clusters, values in every spelling, repeatable lists", () => {
  const f = parseFlags(
    ["-it", "-e", "A=1", "-eB=2", "--env=C=3", "--name", "x", "--network=n", "img"],
    SPECS,
  );
  assertEquals([...f.bools].sort(), ["interactive", "tty"]);
  assertEquals(f.lists.get("env"), ["A=1", "B=2", "C=3"]);
  assertEquals(f.strings.get("name"), "x");
  assertEquals(f.strings.get("net"), "n");
  assertEquals(f.positionals, ["img"]);
});

Deno.test("flags: parsing stops at the image so the command keeps its own flags", () => {
  const f = parseFlags(["-i", "busybox", "ls", "-l", "--name", "y"], SPECS, {
    stopAtPositional: true,
  });
  assertEquals(f.positionals, ["busybox", "ls", "-l", "--name", "y"]);
  assertEquals(f.strings.get("name"), undefined);
});

Deno.test("flags: unknown flags and missing values are errors", () => {
  assertThrows(() => parseFlags(["--nope"], SPECS), /unknown flag: --nope/);
  assertThrows(() => parseFlags(["-x"], SPECS), /unknown shorthand flag: 'x'/);
  assertThrows(() => parseFlags(["--name"], SPECS), /needs an argument/);
  assertThrows(() => parseFlags(["-e"], SPECS), /needs an argument/);
});

Deno.test("flags: a bool whose default is true is set until --x=false or -x=false clears it", () => {
  const specs: FlagSpec[] = [
    { long: "pause", short: "p", kind: "bool", defaultValue: "true", help: "" },
    { long: "all", short: "a", kind: "bool", help: "" },
  ];
  assertEquals([...parseFlags([], specs).bools], ["pause"]);
  assertEquals([...parseFlags(["--pause=false"], specs).bools], []);
  assertEquals([...parseFlags(["-p=false", "-a"], specs).bools], ["all"]);
  assertEquals([...parseFlags(["-a=true"], specs).bools].sort(), ["all", "pause"]);
  // Go's ParseBool values, and Docker 20.10's words for another one (`attach --sig-proxy=bogus`).
  assertEquals([...parseFlags(["--pause=F", "-a=1"], specs).bools], ["all"]);
  assertThrows(
    () => parseFlags(["--pause=bogus"], specs),
    /^UserError: invalid argument "bogus" for "-p, --pause" flag: strconv\.ParseBool: parsing "bogus": invalid syntax$/,
  );
});
