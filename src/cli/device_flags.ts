/**
 * `--device HOST[:CONTAINER][:PERMISSIONS]`: a host device node made in
 * the container (`linux.devices`) and allowed in its device cgroup
 * (`linux.resources.devices`), in OCI form. Parsed as Docker 20.10 does;
 * the messages are Docker's, checked against it on 2026-12-01.
 *
 * @module
 */

import { splitDev } from "../_fs.ts";
import { ExitCode, UserError } from "../errors.ts";
import type { LinuxDevice, LinuxDeviceCgroup } from "../oci/spec.ts";

/** One `--device`: the node to create and the cgroup rule that allows it. */
export interface DeviceMapping {
  node: LinuxDevice;
  rule: LinuxDeviceCgroup;
}

/** Docker's validDeviceMode: one to three of r, w, m, none twice. */
function isDeviceMode(mode: string): boolean {
  return mode.length >= 1 && mode.length <= 3 &&
    [...mode].every((c, i) => "rwm".includes(c) && mode.indexOf(c) === i);
}

/**
 * `spec` as a device mapping. The host path must be a character or block
 * device (symlinks followed); the container path defaults to it, the
 * permissions to `rwm`. The node keeps the host node's mode and owner.
 */
export function parseDevice(spec: string): DeviceMapping {
  const parts = spec.split(":");
  let permissions = "rwm";
  let destination = "";
  switch (parts.length) {
    case 3:
      if (!isDeviceMode(parts[2])) throw new UserError(`bad mode specified: ${parts[2]}`);
      permissions = parts[2];
      destination = parts[1];
      break;
    case 2:
      if (isDeviceMode(parts[1])) permissions = parts[1];
      else destination = parts[1];
      break;
    case 1:
      break;
    default:
      throw new UserError(`bad format for path: ${spec}`);
  }
  const source = parts[0];
  destination ||= source;
  if (!destination.startsWith("/")) throw new UserError(`${destination} is not an absolute path`);

  const fail = (why: string, exitCode: number = ExitCode.ENGINE) =>
    new UserError(
      `dockergsh: Error response from daemon: error gathering device information while adding custom device "${source}": ${why}`,
      exitCode,
    );
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(source);
  } catch (err) {
    // Docker leaves with 127 when the device does not exist.
    if (err instanceof Deno.errors.NotFound) {
      throw fail("no such file or directory", ExitCode.NOT_FOUND);
    }
    throw fail(err instanceof Error ? err.message : String(err));
  }
  const type = info.isCharDevice ? "c" : info.isBlockDevice ? "b" : undefined;
  if (!type || info.rdev === null) throw fail("not a device node");
  const { major, minor } = splitDev(info.rdev);
  return {
    node: {
      path: destination,
      type,
      major,
      minor,
      fileMode: (info.mode ?? 0o600) & 0o7777,
      uid: info.uid ?? 0,
      gid: info.gid ?? 0,
    },
    rule: { allow: true, type, major, minor, access: permissions },
  };
}
