import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { parseDevice } from "../../src/cli/device_flags.ts";
import { splitDev } from "../../src/_fs.ts";
import { UserError } from "../../src/errors.ts";
import { userError } from "./_user_error.ts";

Deno.test("--device: host path, container path, permissions; node and rule from the host's node", () => {
  const info = Deno.statSync("/dev/kmsg");
  assertEquals(parseDevice("/dev/kmsg:/dev/k:r"), {
    node: {
      path: "/dev/k",
      type: "c",
      major: 1,
      minor: 11,
      fileMode: info.mode! & 0o7777,
      uid: 0,
      gid: 0,
    },
    rule: { allow: true, type: "c", major: 1, minor: 11, access: "r" },
  });
  assertEquals(parseDevice("/dev/null").node.path, "/dev/null");
  assertEquals(parseDevice("/dev/null").rule.access, "rwm");
  assertEquals(parseDevice("/dev/null:rw").node.path, "/dev/null", "a mode in second place");
  assertEquals(parseDevice("/dev/null:rw").rule.access, "rw");
  assertEquals(parseDevice("/dev/null:/dev/x").rule.access, "rwm");
});

Deno.test("--device: Docker's messages for a bad mode, format, path or device", () => {
  assertEquals(userError(() => parseDevice("/dev/kmsg:/dev/k:xyz")), "bad mode specified: xyz");
  assertEquals(userError(() => parseDevice("/dev/kmsg:/dev/k:rr")), "bad mode specified: rr");
  assertEquals(userError(() => parseDevice("/dev/kmsg:/dev/k:")), "bad mode specified: ");
  assertEquals(userError(() => parseDevice("a:b:c:d")), "bad format for path: a:b:c:d");
  assertEquals(userError(() => parseDevice("/dev/kmsg:rel")), "rel is not an absolute path");
  assertEquals(
    userError(() => parseDevice("/etc/passwd")),
    `dockergsh: Error response from daemon: error gathering device information while adding custom device "/etc/passwd": not a device node`,
  );
  try {
    parseDevice("/nonexistent");
    throw new Error("no error");
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    assertStringIncludes(err.message, `custom device "/nonexistent": no such file or directory`);
    assertEquals(err.exitCode, 127, "as Docker");
  }
});

Deno.test("--device: major and minor split as glibc does, large numbers included", () => {
  assertEquals(splitDev(0x010b), { major: 1, minor: 11 });
  // makedev(259, 1048575): major 0x103, minor 0xfffff.
  assertEquals(splitDev(0x103 * 2 ** 8 + 0xff + 0xfff00 * 2 ** 12), { major: 259, minor: 0xfffff });
  // A major above 12 bits continues at bit 32.
  assertEquals(splitDev(0x1000 * 2 ** 32 + 0x005 * 2 ** 8 + 7), { major: 0x1005, minor: 7 });
  const real = Deno.statSync("/dev/zero").rdev!;
  assertEquals(splitDev(real), { major: 1, minor: 5 });
});
