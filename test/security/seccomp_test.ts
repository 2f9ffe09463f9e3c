import { libseccompAvailable } from "../../ffi/seccomp.ts";
import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";
import { UserError } from "../../src/errors.ts";
import type { LinuxSeccomp } from "../../src/oci/spec.ts";
import { SeccompFilter } from "../../src/security/seccomp_filter.ts";
import { seccompFromUserProfile } from "../../src/container/container_spec.ts";
import { dockerDefaultSeccomp } from "../../src/oci/seccomp_profile.ts";
import { assert, assertEquals } from "../_assert.ts";
import { exists } from "../_fs.ts";
import type { ProbeCall, ProbeResult } from "./_seccomp_probe.ts";

const PROBE = new URL("./_seccomp_probe.ts", import.meta.url).pathname;

/** Docker's default capabilities. */
const DOCKER_CAPS = [...DEFAULT_CAPABILITIES];

const EPERM = 1;
const EBADF = 9;
const EACCES = 13;
const EFAULT = 14;
const ENOSYS = 38;
const AT_FDCWD = -100;
const EINVAL = 22;
const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;

/** Loads `spec` in a fresh process (none when null), makes `calls` there, reports. */
async function probe(spec: LinuxSeccomp | null, calls: ProbeCall[]): Promise<ProbeResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", PROBE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify({ spec, calls })));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assertEquals(out.code, 0, dec.decode(out.stderr));
  return JSON.parse(dec.decode(out.stdout));
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dgsh-seccomp-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("libseccomp is available on this machine", () => {
  assert(libseccompAvailable());
});

Deno.test("a filter denying mkdir/mkdirat makes them fail with EPERM; Seccomp: 2, NoNewPrivs stays 0", async () => {
  await inTempDir(async (dir) => {
    const calls: ProbeCall[] = [
      { name: "mkdir", args: [`${dir}/a`, 0o755] },
      { name: "mkdirat", args: [AT_FDCWD, `${dir}/b`, 0o755] },
      { name: "getpid" },
    ];
    const spec: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }],
    };
    const r = await probe(spec, calls);
    assertEquals(r.seccomp, "2");
    assertEquals(r.noNewPrivs, "0");
    assertEquals(r.results, [EPERM, EPERM, 0]);
    assert(!exists(`${dir}/a`) && !exists(`${dir}/b`));

    const control = await probe(null, calls);
    assertEquals(control.seccomp, "0");
    assertEquals(control.results, [0, 0, 0]);
    assert(exists(`${dir}/a`) && exists(`${dir}/b`));
  });
});

Deno.test("argument conditions: distinct indexes are AND-ed, a repeated index is OR-ed", async () => {
  const spec: LinuxSeccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      {
        // socket(AF_UNIX, SOCK_DGRAM, …) only: both conditions must hold.
        names: ["socket"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EACCES,
        args: [
          { index: 0, value: AF_UNIX, op: "SCMP_CMP_EQ" },
          { index: 1, value: SOCK_DGRAM, op: "SCMP_CMP_EQ" },
        ],
      },
      {
        names: ["personality"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: ENOSYS,
        args: [
          { index: 0, value: 0x11, op: "SCMP_CMP_EQ" },
          { index: 0, value: 0x22, op: "SCMP_CMP_EQ" },
        ],
      },
    ],
  };
  const r = await probe(spec, [
    { name: "socket", args: [AF_UNIX, SOCK_DGRAM, 0] },
    { name: "socket", args: [AF_UNIX, SOCK_STREAM, 0] },
    { name: "socket", args: [AF_INET, SOCK_DGRAM, 0] },
    { name: "personality", args: [0x11] },
    { name: "personality", args: [0x22] },
    { name: "personality", args: [0xffffffff] },
  ]);
  assertEquals(r.results, [EACCES, 0, 0, ENOSYS, ENOSYS, 0]);
});

Deno.test("syscall names libseccomp does not know are skipped, the rest still applies", async () => {
  await inTempDir(async (dir) => {
    const spec: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["no_such_syscall_xyz", "mkdir"], action: "SCMP_ACT_ERRNO" }],
    };
    const r = await probe(spec, [{ name: "mkdir", args: [`${dir}/a`, 0o755] }]);
    assertEquals(r.skipped, ["no_such_syscall_xyz"]);
    assertEquals(r.results, [EPERM]);
  });
});

/** Calls Docker's profile denies to a default container, with what each returns when allowed. */
const ESCAPES: ProbeCall[] = [
  { name: "mount", args: [0, 0, 0, 0, 0] },
  { name: "umount2", args: [0, 0] },
  { name: "unshare", args: [0] },
  { name: "setns", args: [-1, 0] },
  { name: "keyctl", args: [0x7fff] },
  { name: "add_key", args: [0, 0, 0, 0, 0] },
  { name: "open_by_handle_at", args: [-1, 0, 0] },
  { name: "kexec_load", args: [0, 0, 0, 0xffff0000] },
  { name: "clone3", args: [0, 0] },
  { name: "getpid" },
  { name: "personality", args: [0xffffffff] },
];

Deno.test("Docker's default profile with Docker's 14 capabilities denies the escape syscalls", async () => {
  const r = await probe(dockerDefaultSeccomp(DOCKER_CAPS), ESCAPES);
  assertEquals(r.seccomp, "2");
  assertEquals(r.noNewPrivs, "0");
  assertEquals(r.skipped, []);
  // clone3 answers ENOSYS so that libc falls back to clone, as Docker's does.
  assertEquals(r.results, [EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, ENOSYS, 0, 0]);
});

Deno.test("Docker's default profile with CAP_SYS_ADMIN / CAP_DAC_READ_SEARCH lets those calls through", async () => {
  const r = await probe(
    dockerDefaultSeccomp([...DOCKER_CAPS, "SYS_ADMIN", "cap_dac_read_search"]),
    ESCAPES,
  );
  // Now the kernel answers (bad pointers, a bad fd, clone3's size 0; unshare(0)
  // succeeds). keyctl, add_key and kexec_load stay denied whatever the capabilities.
  assertEquals(r.results, [EFAULT, EFAULT, 0, EBADF, EPERM, EPERM, EFAULT, EPERM, EINVAL, 0, 0]);
});

Deno.test("the default profile resolves per capability, architecture and kernel", () => {
  const host = { arch: "x86_64", kernel: "6.1.0-18-amd64" };
  const names = (s: LinuxSeccomp) => new Set(s.syscalls!.flatMap((r) => r.names));
  const base = dockerDefaultSeccomp(DOCKER_CAPS, host);
  assertEquals(base.defaultAction, "SCMP_ACT_ERRNO");
  assertEquals(base.defaultErrnoRet, EPERM);
  assertEquals(base.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  for (const n of ["arch_prctl", "modify_ldt", "chroot", "ptrace", "read"]) {
    assert(names(base).has(n), n);
  }
  for (const n of ["mount", "unshare", "setns", "open_by_handle_at", "reboot", "set_tls"]) {
    assert(!names(base).has(n), n);
  }
  // clone without namespace flags only (a masked argument), clone3 → ENOSYS.
  const clone = base.syscalls!.filter((r) => r.names.includes("clone"));
  assertEquals(clone, [{
    names: ["clone"],
    action: "SCMP_ACT_ALLOW",
    args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }],
  }]);
  const admin = dockerDefaultSeccomp([...DOCKER_CAPS, "CAP_SYS_ADMIN"], host);
  assert(names(admin).has("mount") && names(admin).has("unshare"));
  // CAP_SYS_ADMIN drops the clone flag mask and the clone3 → ENOSYS rule.
  const cloneRules = admin.syscalls!.filter((r) => r.names.some((n) => n.startsWith("clone")));
  assertEquals(cloneRules.map((r) => [r.action, r.args]), [["SCMP_ACT_ALLOW", undefined]]);
  // ptrace comes with kernel 4.8 (minKernel), or with CAP_SYS_PTRACE.
  assert(!names(dockerDefaultSeccomp(DOCKER_CAPS, { ...host, kernel: "4.4.0" })).has("ptrace"));
  assert(names(dockerDefaultSeccomp(["SYS_PTRACE"], { ...host, kernel: "4.4.0" })).has("ptrace"));
});

Deno.test("a user's profile goes through the same converter: legacy name, architectures, includes", async () => {
  const spec = await seccompFromUserProfile(
    JSON.stringify({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [
        { name: "mkdir", action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        { names: ["mount"], action: "SCMP_ACT_ERRNO", includes: { caps: ["CAP_SYS_ADMIN"] } },
        { names: ["chmod"], action: "SCMP_ACT_KILL", excludes: { arches: ["amd64"] } },
      ],
    }),
    DOCKER_CAPS,
    { arch: "x86_64", kernel: "6.1" },
  );
  assertEquals(spec, {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
  });
});

Deno.test("a malformed profile is one clear line naming the problem", async () => {
  const cases: [string, RegExp][] = [
    ["{", /^decoding seccomp profile failed: .*JSON/],
    ["[]", /the profile must be a JSON object/],
    [`{"defaultAction": 5}`, /defaultAction must be a string/],
    [`{"defaultAction": "SCMP_ACT_BOGUS"}`, /unknown action "SCMP_ACT_BOGUS"/],
    [
      `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}`,
      /syscalls\[0\] must be given 'names'/,
    ],
    [
      `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
      /argument index 9/,
    ],
    [
      `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]}`,
      /unknown operator "SCMP_CMP_ALMOST"/,
    ],
    [
      `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}`,
      /both 'architectures' and 'archMap'/,
    ],
    [
      `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "new"}}]}`,
      /minKernel "new"/,
    ],
  ];
  for (const [json, re] of cases) {
    let err: unknown;
    try {
      await seccompFromUserProfile(json, DOCKER_CAPS, { arch: "x86_64", kernel: "6.1" });
    } catch (e) {
      err = e;
    }
    assert(err instanceof UserError, `${json}: ${err}`);
    assert(re.test(err.message) && !err.message.includes("\n"), `${json}: ${err.message}`);
    assertEquals(err.exitCode, 125);
  }
});

Deno.test("the filter refuses an unknown architecture and frees its context", () => {
  let err: unknown;
  try {
    new SeccompFilter({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_VAX"] });
  } catch (e) {
    err = e;
  }
  assert(
    err instanceof UserError && /unknown architecture "SCMP_ARCH_VAX"/.test(err.message),
    String(err),
  );
});

Deno.test("the default profile's identity is the sha256 of its data (cached programs are named by it)", async () => {
  const { DOCKER_DEFAULT_PROFILE } = await import("../../src/oci/_docker_default_seccomp.ts");
  const { DOCKER_DEFAULT_SECCOMP_SHA256 } = await import(
    "../../src/oci/docker_default_seccomp_id.ts"
  );
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(DOCKER_DEFAULT_PROFILE)),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(DOCKER_DEFAULT_SECCOMP_SHA256, hex);
});
