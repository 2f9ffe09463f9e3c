/**
 * The `options` of an OCI mount, split the way mount(2) takes them: flags
 * (`nosuid`, `ro`, `bind`, …), propagation (`rprivate`, `shared`, …) made
 * by a separate call, and the rest as the filesystem's data string
 * (`mode=755,size=65536k`).
 *
 * @module
 */

import {
  MS_BIND,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_SHARED,
  MS_SLAVE,
  MS_STRICTATIME,
  MS_SYNCHRONOUS,
  MS_UNBINDABLE,
} from "../../ffi/constants.ts";

/** What mount(2) needs for one OCI mount. */
export interface MountOptions {
  flags: number;
  /** Flags that an option cleared (`rw`, `suid`, `dev`, `exec`), for a remount. */
  cleared: number;
  propagation: number;
  data: string;
}

/** option → [flag, set (true) or clear (false)] */
const FLAGS: Readonly<Record<string, [number, boolean]>> = {
  ro: [MS_RDONLY, true],
  rw: [MS_RDONLY, false],
  nosuid: [MS_NOSUID, true],
  suid: [MS_NOSUID, false],
  nodev: [MS_NODEV, true],
  dev: [MS_NODEV, false],
  noexec: [MS_NOEXEC, true],
  exec: [MS_NOEXEC, false],
  sync: [MS_SYNCHRONOUS, true],
  async: [MS_SYNCHRONOUS, false],
  noatime: [MS_NOATIME, true],
  atime: [MS_NOATIME, false],
  nodiratime: [MS_NODIRATIME, true],
  diratime: [MS_NODIRATIME, false],
  relatime: [MS_RELATIME, true],
  norelatime: [MS_RELATIME, false],
  strictatime: [MS_STRICTATIME, true],
  nostrictatime: [MS_STRICTATIME, false],
  bind: [MS_BIND, true],
  rbind: [MS_BIND | MS_REC, true],
  defaults: [0, true],
};

const PROPAGATION: Readonly<Record<string, number>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Splits `options` into flags, propagation and data. */
export function parseMountOptions(options: readonly string[] = []): MountOptions {
  let flags = 0;
  let cleared = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const opt of options) {
    const flag = FLAGS[opt];
    if (flag) {
      if (flag[1]) flags |= flag[0];
      else {
        flags &= ~flag[0];
        cleared |= flag[0];
      }
    } else if (PROPAGATION[opt] !== undefined) {
      propagation |= PROPAGATION[opt];
    } else {
      data.push(opt);
    }
  }
  return { flags, cleared, propagation, data: data.join(",") };
}
