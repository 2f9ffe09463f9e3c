/**
 * Docker's default devices, in OCI form: the device cgroup rules and the
 * device nodes of a container started without `--privileged`.
 *
 * Two layers make them, and both are data here:
 * - The engine (moby `oci/defaults.go`, `DefaultLinuxSpec`, as of Docker
 *   20.10) writes `linux.resources.devices` into config.json: deny all,
 *   allow six character devices, deny /dev/fuse (10:229); and no
 *   `linux.devices`.
 * - The runtime (runc `libcontainer/specconv/spec_linux.go`,
 *   `AllowedDevices`, runc 1.1) appends its own rules after the spec's
 *   (mknod of any device, /dev/pts, ptmx, tun, …) and creates the nodes
 *   that have a path.
 *
 * Checked against the real Docker 20.10 + runc 1.1 on 2026-12-01: the
 * config.json of a busybox container holds exactly
 * DOCKER_DEFAULT_DEVICE_RULES, and inside it `devices.list` (cgroup v1)
 * reads `b *:* m`, `c *:* m`, `c 1:3`, `1:5`, `1:7`, `1:8`, `1:9`, `5:0`,
 * `5:1`, `5:2`, `10:200` `rwm`, `c 136:* rwm`, and `ls -l /dev` shows
 * full, null, random, tty, urandom, zero as `crw-rw-rw-` root:root.
 *
 * @module
 */

import type { LinuxDevice, LinuxDeviceCgroup } from "./spec.ts";

const rwm = (major: number, minor?: number): LinuxDeviceCgroup => ({
  allow: true,
  type: "c",
  major,
  ...(minor === undefined ? {} : { minor }),
  access: "rwm",
});

/** What Docker's engine writes to `linux.resources.devices` (moby oci/defaults.go). */
export const DOCKER_DEFAULT_DEVICE_RULES: readonly LinuxDeviceCgroup[] = [
  { allow: false, access: "rwm" },
  rwm(1, 5), // zero
  rwm(1, 3), // null
  rwm(1, 9), // urandom
  rwm(1, 8), // random
  rwm(5, 0), // tty
  rwm(5, 1), // console
  { allow: false, type: "c", major: 10, minor: 229, access: "rwm" }, // fuse
];

/** What runc appends to every container's rules (runc specconv AllowedDevices). */
export const RUNC_DEFAULT_DEVICE_RULES: readonly LinuxDeviceCgroup[] = [
  { allow: true, type: "c", access: "m" }, // mknod of any character device
  { allow: true, type: "b", access: "m" }, // mknod of any block device
  rwm(1, 3), // null
  rwm(1, 8), // random
  rwm(1, 7), // full
  rwm(5, 0), // tty
  rwm(1, 5), // zero
  rwm(1, 9), // urandom
  rwm(136), // /dev/pts/*
  rwm(5, 2), // ptmx
  rwm(10, 200), // tun
];

/** The rules a default Docker container's cgroup gets: the engine's, then the runtime's. */
export const DEFAULT_DEVICE_RULES: readonly LinuxDeviceCgroup[] = [
  ...DOCKER_DEFAULT_DEVICE_RULES,
  ...RUNC_DEFAULT_DEVICE_RULES,
];

const node = (name: string, major: number, minor: number): LinuxDevice => ({
  path: `/dev/${name}`,
  type: "c",
  major,
  minor,
  fileMode: 0o666,
  uid: 0,
  gid: 0,
});

/** The device nodes runc creates in every container's /dev (runc specconv AllowedDevices). */
export const DEFAULT_DEVICES: readonly LinuxDevice[] = [
  node("null", 1, 3),
  node("random", 1, 8),
  node("full", 1, 7),
  node("tty", 5, 0),
  node("zero", 1, 5),
  node("urandom", 1, 9),
];
