/**
 * `run`/`create` confinement flags: `--privileged`, `--cap-add`,
 * `--cap-drop`, `-u/--user`, `--group-add`, `--read-only`, `--tmpfs`,
 * `--security-opt`, `--ulimit`, `--device`. Messages are Docker 20.10's,
 * compared with it on this project's machines.
 *
 * @module
 */

import { capabilityName } from "../container/container_spec.ts";
import type { SecurityConfig } from "../container/record.ts";
import { UserError } from "../errors.ts";
import type { Rlimit } from "../oci/spec.ts";
import { parseDevice } from "./device_flags.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";

/** The confinement flags of `run` and `create`. */
export const SECURITY_FLAGS: FlagSpec[] = [
  { long: "privileged", kind: "bool", help: "Give extended privileges to this container" },
  { long: "cap-add", kind: "list", help: "Add Linux capabilities" },
  { long: "cap-drop", kind: "list", help: "Drop Linux capabilities" },
  {
    long: "user",
    short: "u",
    kind: "string",
    help: "Username or UID (format: <name|uid>[:<group|gid>])",
  },
  { long: "group-add", kind: "list", help: "Add additional groups to join" },
  { long: "read-only", kind: "bool", help: "Mount the container's root filesystem as read only" },
  { long: "tmpfs", kind: "list", help: "Mount a tmpfs directory (PATH[:OPTIONS])" },
  { long: "security-opt", kind: "list", help: "Security Options" },
  { long: "ulimit", kind: "list", help: "Ulimit options (NAME=SOFT[:HARD])" },
  { long: "device", kind: "list", help: "Add a host device to the container" },
];

/** `--ulimit` names and their rlimit (Docker's list). */
const ULIMITS: Readonly<Record<string, string>> = {
  as: "RLIMIT_AS",
  core: "RLIMIT_CORE",
  cpu: "RLIMIT_CPU",
  data: "RLIMIT_DATA",
  fsize: "RLIMIT_FSIZE",
  locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK",
  msgqueue: "RLIMIT_MSGQUEUE",
  nice: "RLIMIT_NICE",
  nofile: "RLIMIT_NOFILE",
  nproc: "RLIMIT_NPROC",
  rss: "RLIMIT_RSS",
  rtprio: "RLIMIT_RTPRIO",
  rttime: "RLIMIT_RTTIME",
  sigpending: "RLIMIT_SIGPENDING",
  stack: "RLIMIT_STACK",
};

/** `nofile=1024:2048` (a soft limit alone sets both; -1 is unlimited). */
export function parseUlimit(spec: string): Rlimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) {
    throw new UserError(
      `invalid argument "${spec}" for "--ulimit" flag: invalid ulimit argument: ${spec}`,
    );
  }
  const type = ULIMITS[m[1]];
  if (!type) {
    throw new UserError(
      `invalid argument "${spec}" for "--ulimit" flag: invalid ulimit type: ${m[1]}`,
    );
  }
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  const unlimited = (n: number) => n < 0;
  if (!unlimited(hard) && (unlimited(soft) || soft > hard)) {
    throw new UserError(
      `invalid argument "${spec}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`,
    );
  }
  return { type, soft, hard };
}

/** `--tmpfs /run` or `--tmpfs /x:size=1m,mode=700`. */
export function parseTmpfs(spec: string): { destination: string; options: string[] } {
  const colon = spec.indexOf(":");
  const destination = colon < 0 ? spec : spec.slice(0, colon);
  const options = colon < 0 ? [] : spec.slice(colon + 1).split(",").filter((o) => o !== "");
  if (!destination.startsWith("/")) {
    throw new UserError(
      `dockergsh: Error response from daemon: invalid mount config for type "tmpfs": invalid mount path: '${destination}' mount path must be absolute`,
    );
  }
  if (destination.split("/").includes("..") || destination === "/") {
    throw new UserError(
      `dockergsh: Error response from daemon: invalid mount path: '${destination}'`,
    );
  }
  return { destination, options };
}

/** What `--security-opt` values set: seccomp and no_new_privs. */
function securityOpts(
  values: readonly string[],
): Pick<SecurityConfig, "seccomp" | "noNewPrivileges"> {
  let seccomp: SecurityConfig["seccomp"] = "default";
  let noNewPrivileges = false;
  for (const opt of values) {
    const m = /^([a-z-]+)(?:[=:](.*))?$/.exec(opt);
    const [key, value] = m ? [m[1], m[2]] : ["", undefined];
    if (
      key === "no-new-privileges" && (value === undefined || value === "true" || value === "false")
    ) {
      noNewPrivileges = value !== "false";
    } else if (key === "seccomp" && value) {
      if (value === "unconfined") seccomp = "unconfined";
      else {
        try {
          seccomp = { profile: Deno.readTextFileSync(value) };
        } catch (err) {
          throw new UserError(
            `dockergsh: opening seccomp profile (${value}) failed: ${(err as Error).message}`,
          );
        }
      }
    } else if ((key === "apparmor" || key === "label") && value) {
      // No LSM is used here: nothing for these to change, as Docker on a host without one.
    } else {
      throw new UserError(`dockergsh: Invalid --security-opt: "${opt}"`);
    }
  }
  return { seccomp, noNewPrivileges };
}

/** The confinement the flags ask for. */
export function securityFromFlags(flags: ParsedFlags): SecurityConfig {
  const list = (name: string) => flags.lists.get(name) ?? [];
  const user = flags.strings.get("user");
  if (user === "") throw new UserError(`dockergsh: invalid user ""`);
  return {
    privileged: flags.bools.has("privileged"),
    capAdd: list("cap-add").map((c) => capabilityName("CapAdd", c)),
    capDrop: list("cap-drop").map((c) => capabilityName("CapDrop", c)),
    ...(user === undefined ? {} : { user }),
    groupAdd: list("group-add"),
    readOnlyRootfs: flags.bools.has("read-only"),
    tmpfs: list("tmpfs").map(parseTmpfs),
    ...securityOpts(list("security-opt")),
    ulimits: list("ulimit").map(parseUlimit),
    devices: list("device").map((d) => ({ hostPath: d.split(":")[0], ...parseDevice(d) })),
  };
}
