import { assertEquals, assertThrows } from "../_assert.ts";
import { v1DeviceWrites } from "../../src/cgroup/device_rules_v1.ts";

const allow = (value: string) => ({ file: "devices.allow", value });
const deny = (value: string) => ({ file: "devices.deny", value });

Deno.test("v1 device rules: deny-all first, then each rule in the kernel's syntax, in order", () => {
  assertEquals(
    v1DeviceWrites([
      { allow: false, access: "rwm" }, // the deny-all that is written first anyway
      { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
      { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
      { allow: true, type: "c", access: "m" },
      { allow: true, type: "c", major: 136, access: "wr" },
      { allow: true, type: "a", major: 7, minor: -1, access: "r" },
    ]),
    [
      deny("a"),
      allow("c 1:3 rwm"),
      deny("c 10:229 rwm"),
      allow("c *:* m"),
      allow("c 136:* rw"),
      allow("c 7:* r"),
      allow("b 7:* r"),
    ],
  );
  assertEquals(v1DeviceWrites([]), [deny("a")]);
  assertEquals(v1DeviceWrites([{ allow: true }, { allow: false, type: "b" }]), [
    deny("a"),
    allow("a"),
    deny("b *:* rwm"),
  ]);
});

Deno.test("v1 device rules: a deny the v1 exception list cannot express is refused, not loosened", () => {
  // 10:229 would stay allowed through the wider c *:* rwm exception.
  assertThrows(
    () =>
      v1DeviceWrites([{ allow: false }, { allow: true, type: "c" }, {
        allow: false,
        type: "c",
        major: 10,
        minor: 229,
      }]),
    /cannot be applied on cgroup v1 after a rule for c \*:\* rwm/,
  );
  // The same devices exactly: the kernel removes the exception, fine.
  assertEquals(
    v1DeviceWrites([
      { allow: false },
      { allow: true, type: "c", major: 1, minor: 3 },
      { allow: false, type: "c", major: 1, minor: 3, access: "w" },
    ]).at(-1),
    deny("c 1:3 w"),
  );
  // Default allow, then an allow inside a wider deny exception.
  assertThrows(
    () =>
      v1DeviceWrites([{ allow: true }, { allow: false, type: "b" }, {
        allow: true,
        type: "b",
        major: 8,
      }]),
    /cannot be applied on cgroup v1/,
  );
});
