/**
 * `features`: what this runtime implements, in the shape of runc's
 * `features` (runtime-spec features.md, 1.1): spec versions, hooks,
 * mount options, and on Linux the namespaces, capabilities, cgroup
 * drivers and seccomp it supports.
 *
 * @module
 */

import { CAPABILITIES } from "../../ffi/constants.ts";
import { OCI_VERSION } from "../oci/state.ts";

/** The features document. */
export function runtimeFeatures(): Record<string, unknown> {
  return {
    ociVersionMin: "1.0.0",
    ociVersionMax: OCI_VERSION,
    hooks: [
      "prestart",
      "createRuntime",
      "createContainer",
      "startContainer",
      "poststart",
      "poststop",
    ],
    mountOptions: [
      "async",
      "atime",
      "bind",
      "defaults",
      "dev",
      "diratime",
      "exec",
      "noatime",
      "nodev",
      "nodiratime",
      "noexec",
      "norelatime",
      "nostrictatime",
      "nosuid",
      "private",
      "rbind",
      "relatime",
      "ro",
      "rprivate",
      "rshared",
      "rslave",
      "runbindable",
      "rw",
      "shared",
      "slave",
      "strictatime",
      "suid",
      "sync",
      "unbindable",
    ],
    linux: {
      namespaces: ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"],
      capabilities: Object.keys(CAPABILITIES),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: {
        enabled: true,
        actions: [
          "SCMP_ACT_ALLOW",
          "SCMP_ACT_ERRNO",
          "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_LOG",
          "SCMP_ACT_TRACE",
          "SCMP_ACT_TRAP",
        ],
        operators: [
          "SCMP_CMP_EQ",
          "SCMP_CMP_GE",
          "SCMP_CMP_GT",
          "SCMP_CMP_LE",
          "SCMP_CMP_LT",
          "SCMP_CMP_MASKED_EQ",
          "SCMP_CMP_NE",
        ],
        archs: ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: { "org.opencontainers.runc.checkpoint.enabled": "false" },
  };
}
