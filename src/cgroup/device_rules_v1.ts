/**
 * OCI device rules as writes to the cgroup v1 devices controller:
 * `a` to devices.deny first (deny everything, clear the exceptions), then
 * each rule in order, an allow to devices.allow and a deny to devices.deny,
 * in the kernel's syntax (`c 1:3 rwm`, `c *:* m`, `a`).
 *
 * The v1 controller keeps a default (allow or deny) and a list of
 * exceptions, and a write removes only an exception with the same type and
 * numbers. So "last match wins" cannot always be expressed: a deny of
 * `c 10:229` after an allow of `c *:* rwm` would leave 10:229 allowed.
 * Such a rule list is refused rather than applied looser than written.
 *
 * @module
 */

import type { LinuxDeviceCgroup } from "../oci/spec.ts";
import { ACCESS_ALL, accessLetters, checkDeviceRule, type DeviceRule } from "./_device_rule.ts";

/** One write to an interface file of the devices controller. */
export interface DeviceWrite {
  file: "devices.allow" | "devices.deny";
  value: string;
}

const overlaps = (a: DeviceRule, b: DeviceRule) =>
  (a.type === "a" || b.type === "a" || a.type === b.type) &&
  (a.major === "*" || b.major === "*" || a.major === b.major) &&
  (a.minor === "*" || b.minor === "*" || a.minor === b.minor) &&
  (a.access & b.access) !== 0;

const sameDevices = (a: DeviceRule, b: DeviceRule) =>
  a.type === b.type && a.major === b.major && a.minor === b.minor;

/** The writes that apply `rules` (OCI order, last match wins), deny-all first. */
export function v1DeviceWrites(rules: readonly LinuxDeviceCgroup[]): DeviceWrite[] {
  const writes: DeviceWrite[] = [{ file: "devices.deny", value: "a" }];
  let defaultAllow = false;
  // The kernel's exceptions to the default, as far as this list made them.
  let exceptions: DeviceRule[] = [];
  rules.forEach((rule, i) => {
    const r = checkDeviceRule(rule, i);
    const file = r.allow ? "devices.allow" : "devices.deny";
    if (r.type === "a" && r.major === "*" && r.minor === "*" && r.access === ACCESS_ALL) {
      // A deny-all first is the deny-all every list starts with.
      if (i > 0 || r.allow) writes.push({ file, value: "a" });
      defaultAllow = r.allow;
      exceptions = [];
      return;
    }
    const types = r.type === "a" ? ["c", "b"] as const : [r.type];
    const parts = types.map((type) => ({ ...r, type }));
    for (const part of parts) {
      if (part.allow === defaultAllow) {
        // Undoes exceptions: only those for exactly these devices.
        const wider = exceptions.find((e) => overlaps(e, part) && !sameDevices(e, part));
        if (wider) {
          throw new Error(
            `device rule ${i} (${JSON.stringify(rule)}) cannot be applied on cgroup v1 ` +
              `after a rule for ${describe(wider)}`,
          );
        }
        exceptions = exceptions
          .map((e) => sameDevices(e, part) ? { ...e, access: e.access & ~part.access } : e)
          .filter((e) => e.access !== 0);
      } else {
        exceptions.push(part);
      }
      writes.push({ file, value: describe(part) });
    }
  });
  return writes;
}

/** A rule in the kernel's syntax: `c 1:3 rwm`. */
function describe(r: DeviceRule): string {
  return `${r.type} ${r.major}:${r.minor} ${accessLetters(r.access)}`;
}
