/**
 * `Kernel` implemented with libc through `Deno.dlopen`. Each method is one
 * libc call (or the few calls one ioctl request needs), checks the result,
 * and turns errno into a `SyscallError` naming the call and its arguments.
 *
 * @module
 */

import { bpfLength } from "./bpf_length.ts";
import { cstr, cstrArray } from "./cstring.ts";
import { Errno, SyscallError } from "./errno.ts";
import type { CapabilitySets, FileStatus, Kernel, SpawnSpec, WinSize } from "./kernel.ts";
import { libc } from "./libc.ts";
import { rawSyscall } from "./raw_syscall.ts";
import {
  AF_INET,
  AF_UNIX,
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  BPF_PROG_ATTACH,
  BPF_PROG_LOAD,
  CLOSE_RANGE_CLOEXEC,
  F_ADD_SEALS,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  IFF_UP,
  KEYCTL_DESCRIBE,
  KEYCTL_JOIN_SESSION_KEYRING,
  KEYCTL_SETPERM,
  LINUX_CAPABILITY_VERSION_3,
  MADV_DONTNEED,
  NSIG,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOCTTY,
  O_PATH,
  O_RDWR,
  POSIX_SPAWN_SETSID,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  PR_CAP_AMBIENT,
  PR_CAPBSET_DROP,
  PR_CAPBSET_READ,
  PR_SET_DUMPABLE,
  PR_SET_KEEPCAPS,
  PR_SET_NO_NEW_PRIVS,
  PR_SET_PDEATHSIG,
  RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS,
  SCM_RIGHTS,
  SECCOMP_SET_MODE_FILTER,
  SIG_SETMASK,
  SIGNALS,
  SIOCGIFFLAGS,
  SIOCSIFFLAGS,
  SOCK_DGRAM,
  SOL_SOCKET,
  SYS_bpf,
  SYS_capset,
  SYS_chdir,
  SYS_chroot,
  SYS_close,
  SYS_close_range,
  SYS_connect,
  SYS_dup2,
  SYS_execve,
  SYS_execveat,
  SYS_fchdir,
  SYS_fchmod,
  SYS_fchownat,
  SYS_fcntl,
  SYS_fstat,
  SYS_ioctl,
  SYS_keyctl,
  SYS_kill,
  SYS_lgetxattr,
  SYS_lsetxattr,
  SYS_madvise,
  SYS_memfd_create,
  SYS_mknod,
  SYS_mount,
  SYS_openat,
  SYS_openat2,
  SYS_pidfd_open,
  SYS_pidfd_send_signal,
  SYS_pipe2,
  SYS_pivot_root,
  SYS_prctl,
  SYS_prlimit64,
  SYS_read,
  SYS_rt_sigaction,
  SYS_rt_sigprocmask,
  SYS_seccomp,
  SYS_sendmsg,
  SYS_setgroups,
  SYS_sethostname,
  SYS_setns,
  SYS_setresgid,
  SYS_setresuid,
  SYS_setsid,
  SYS_socket,
  SYS_syncfs,
  SYS_umask,
  SYS_umount2,
  SYS_unshare,
  SYS_utimensat,
  SYS_wait4,
  SYS_write,
  TIOCGPTN,
  TIOCGWINSZ,
  TIOCSCTTY,
  TIOCSPTLCK,
  TIOCSWINSZ,
} from "./constants.ts";

/** prctl options by name, for error messages. */
const PRCTL_NAMES: Record<number, string> = {
  [PR_SET_PDEATHSIG]: "PR_SET_PDEATHSIG",
  [PR_SET_DUMPABLE]: "PR_SET_DUMPABLE",
  [PR_SET_KEEPCAPS]: "PR_SET_KEEPCAPS",
  [PR_CAPBSET_READ]: "PR_CAPBSET_READ",
  [PR_CAPBSET_DROP]: "PR_CAPBSET_DROP",
  [PR_SET_NO_NEW_PRIVS]: "PR_SET_NO_NEW_PRIVS",
  [PR_CAP_AMBIENT]: "PR_CAP_AMBIENT",
};

/** madvise(2) advice by name, for error messages. */
const MADV_NAMES: Record<number, string> = { [MADV_DONTNEED]: "MADV_DONTNEED" };

/** Room for glibc's posix_spawnattr_t (336 bytes) and posix_spawn_file_actions_t (80). */
const SPAWN_STRUCT_BYTES = 512;

/** posix_spawn's functions return the error number itself, not -1 and errno. */
function checkSpawn(result: number, call: string, detail: string): void {
  if (result !== 0) throw new SyscallError(call, detail, result);
}

function check(result: number | bigint, call: string, detail: string): number {
  const n = Number(result);
  if (n < 0) throw new SyscallError(call, detail, -n);
  return n;
}

/** struct ifreq: 16-byte name, then a union whose first member is short flags. */
function ifreq(ifname: string): Uint8Array<ArrayBuffer> {
  const req = new Uint8Array(40);
  const name = new TextEncoder().encode(ifname);
  if (name.length >= 16) {
    throw new SyscallError("ioctl", `ifname ${ifname}`, 36 /* ENAMETOOLONG */);
  }
  req.set(name);
  return req;
}

/** The address of `buf`, for the pointer fields of a struct passed to the kernel. */
function address(buf: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/** A buffer of any backing store, as FFI passes it (its address, offset included). */
function bytesOf(buf: Uint8Array): Uint8Array<ArrayBuffer> {
  return buf as Uint8Array<ArrayBuffer>;
}

/** One argument of a raw syscall: a number, or a buffer passed by its address. */
type SyscallArg = number | bigint | Uint8Array<ArrayBuffer> | null;

/**
 * Syscall `nr` with up to six arguments: the kernel's result, -errno on
 * failure (see raw_syscall.ts: errno itself cannot be read reliably). The
 * caller keeps every buffer referenced until it returns.
 */
function sys(nr: number, ...args: SyscallArg[]): bigint {
  const a = args.map((x) => x === null ? 0n : x instanceof Uint8Array ? address(x) : BigInt(x));
  while (a.length < 6) a.push(0n);
  return rawSyscall(BigInt(nr), a[0], a[1], a[2], a[3], a[4], a[5]);
}

/** sizeof(sockaddr_un.sun_path). */
const SUN_PATH_SIZE = 108;

/** sizeof(struct stat) on x86_64: st_mode u32 at 24, st_uid u32 at 28, st_size i64 at 48. */
const STAT_SIZE = 144;

/** sizeof(union bpf_attr) as far as the fields written here (the kernel wants the rest zero). */
const BPF_ATTR_SIZE = 128;
/** Room for the verifier's log of a refused program. */
const VERIFIER_LOG_SIZE = 64 * 1024;

/** The real kernel. */
export class LinuxKernel implements Kernel {
  unshare(flags: number): void {
    check(sys(SYS_unshare, flags), "unshare", `0x${flags.toString(16)}`);
  }

  setns(fd: number, nstype: number): void {
    check(sys(SYS_setns, fd, nstype), "setns", `fd ${fd}`);
  }

  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null = null,
  ): void {
    check(
      sys(SYS_mount, cstr(source), cstr(target), cstr(fstype), flags, cstr(data)),
      "mount",
      `${fstype ?? source ?? "none"} on ${target}`,
    );
  }

  umount2(target: string, flags: number): void {
    check(sys(SYS_umount2, cstr(target), flags), "umount2", target);
  }

  pivotRoot(newRoot: string, putOld: string): void {
    check(
      sys(SYS_pivot_root, cstr(newRoot), cstr(putOld)),
      "pivot_root",
      `${newRoot} ${putOld}`,
    );
  }

  fchdir(fd: number): void {
    check(sys(SYS_fchdir, fd), "fchdir", `fd ${fd}`);
  }

  chroot(path: string): void {
    check(sys(SYS_chroot, cstr(path)), "chroot", path);
  }

  chdir(path: string): void {
    check(sys(SYS_chdir, cstr(path)), "chdir", path);
  }

  sethostname(name: string): void {
    const bytes = new TextEncoder().encode(name);
    check(sys(SYS_sethostname, bytes, bytes.length), "sethostname", name);
  }

  execve(path: string, argv: readonly string[], env: readonly string[]): never {
    const a = cstrArray(argv);
    const e = cstrArray(env);
    const errno = -Number(
      sys(SYS_execve, cstr(path), new Uint8Array(a.array.buffer), new Uint8Array(e.array.buffer)),
    );
    // Keep the string buffers alive until execve has returned.
    a.keep.length + e.keep.length;
    throw new SyscallError("execve", path, errno);
  }

  execveat(fd: number, argv: readonly string[], env: readonly string[]): never {
    const a = cstrArray(argv);
    const e = cstrArray(env);
    const errno = -Number(sys(
      SYS_execveat,
      fd,
      cstr(""),
      new Uint8Array(a.array.buffer),
      new Uint8Array(e.array.buffer),
      AT_EMPTY_PATH,
    ));
    // Keep the string buffers alive until execveat has returned.
    a.keep.length + e.keep.length;
    throw new SyscallError("execveat", `fd ${fd}`, errno);
  }

  kill(pid: number, signal: number): void {
    check(sys(SYS_kill, pid, signal), "kill", `${pid} signal ${signal}`);
  }

  pipe2(flags: number): [number, number] {
    const fds = new Int32Array(2);
    check(sys(SYS_pipe2, new Uint8Array(fds.buffer), flags), "pipe2", "");
    return [fds[0], fds[1]];
  }

  memfdCreate(name: string, flags: number): number {
    return check(sys(SYS_memfd_create, cstr(name), flags), "memfd_create", name);
  }

  addSeals(fd: number, seals: number): void {
    check(sys(SYS_fcntl, fd, F_ADD_SEALS, seals), "fcntl", `F_ADD_SEALS fd ${fd} ${seals}`);
  }

  fchmod(fd: number, mode: number): void {
    check(sys(SYS_fchmod, fd, mode), "fchmod", `fd ${fd} ${mode.toString(8)}`);
  }

  setCloexec(fd: number, on: boolean): void {
    const cur = check(sys(SYS_fcntl, fd, F_GETFD, 0), "fcntl", `F_GETFD fd ${fd}`);
    const next = on ? cur | FD_CLOEXEC : cur & ~FD_CLOEXEC;
    check(sys(SYS_fcntl, fd, F_SETFD, next), "fcntl", `F_SETFD fd ${fd}`);
  }

  isCloexec(fd: number): boolean {
    return (check(sys(SYS_fcntl, fd, F_GETFD, 0), "fcntl", `F_GETFD fd ${fd}`) & FD_CLOEXEC) !== 0;
  }

  dup2(oldFd: number, newFd: number): void {
    check(sys(SYS_dup2, oldFd, newFd), "dup2", `${oldFd} ${newFd}`);
  }

  open(path: string, flags: number, mode = 0): number {
    return check(sys(SYS_openat, AT_FDCWD, cstr(path), flags, mode), "open", path);
  }

  close(fd: number): void {
    check(sys(SYS_close, fd), "close", `fd ${fd}`);
  }

  fstat(fd: number): FileStatus {
    const st = new Uint8Array(STAT_SIZE);
    check(sys(SYS_fstat, fd, st), "fstat", `fd ${fd}`);
    const v = new DataView(st.buffer);
    return {
      mode: v.getUint32(24, true),
      uid: v.getUint32(28, true),
      size: Number(v.getBigInt64(48, true)),
    };
  }

  read(fd: number, buf: Uint8Array): number {
    return check(sys(SYS_read, fd, bytesOf(buf), buf.length), "read", `fd ${fd}`);
  }

  async readAsync(fd: number, buf: Uint8Array): Promise<number> {
    const n = Number(await libc().read_async(fd, buf, BigInt(buf.length)));
    // errno belongs to the worker thread that made the call: report EIO.
    if (n < 0) throw new SyscallError("read", `fd ${fd}`, 5);
    return n;
  }

  write(fd: number, data: Uint8Array): number {
    return check(sys(SYS_write, fd, bytesOf(data), data.length), "write", `fd ${fd}`);
  }

  mknod(path: string, mode: number, major: number, minor: number): void {
    // glibc's makedev: major in bits 8-19 and 32-43, minor in 0-7 and 20-31.
    const dev = (BigInt(major & 0xfff) << 8n) | (BigInt(major & ~0xfff) << 32n) |
      BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n);
    check(sys(SYS_mknod, cstr(path), mode, dev), "mknod", path);
  }

  lchownAt(dirFd: number, name: string, uid: number, gid: number): void {
    check(
      sys(SYS_fchownat, dirFd, cstr(name), uid, gid, AT_SYMLINK_NOFOLLOW),
      "fchownat",
      `fd ${dirFd} ${name} ${uid}:${gid} AT_SYMLINK_NOFOLLOW`,
    );
  }

  lutimesAt(dirFd: number, name: string, atime: Date, mtime: Date): void {
    // struct timespec[2]: seconds and nanoseconds of each.
    const times = new BigInt64Array(4);
    const ms = [atime.getTime(), mtime.getTime()];
    ms.forEach((t, i) => {
      times[2 * i] = BigInt(Math.floor(t / 1000));
      times[2 * i + 1] = BigInt((t - Math.floor(t / 1000) * 1000) * 1e6);
    });
    check(
      sys(SYS_utimensat, dirFd, cstr(name), new Uint8Array(times.buffer), AT_SYMLINK_NOFOLLOW),
      "utimensat",
      `fd ${dirFd} ${name} AT_SYMLINK_NOFOLLOW`,
    );
  }

  setsid(): number {
    return check(sys(SYS_setsid), "setsid", "");
  }

  setControllingTty(fd: number): void {
    check(sys(SYS_ioctl, fd, TIOCSCTTY, 0), "ioctl", `TIOCSCTTY fd ${fd}`);
  }

  openPty(ptmx: string): { master: number; index: number } {
    const master = this.open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
    try {
      const arg = new Int32Array(1);
      check(
        sys(SYS_ioctl, master, TIOCSPTLCK, new Uint8Array(arg.buffer)),
        "ioctl",
        `TIOCSPTLCK ${ptmx}`,
      );
      check(
        sys(SYS_ioctl, master, TIOCGPTN, new Uint8Array(arg.buffer)),
        "ioctl",
        `TIOCGPTN ${ptmx}`,
      );
      return { master, index: arg[0] };
    } catch (err) {
      this.close(master);
      throw err;
    }
  }

  openInRoot(root: string, path: string, flags: number): number {
    const dir = this.open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    try {
      // struct open_how { u64 flags; u64 mode; u64 resolve; }
      const how = new Uint8Array(24);
      const v = new DataView(how.buffer);
      v.setBigUint64(0, BigInt(flags), true);
      v.setBigUint64(16, BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), true);
      return check(
        sys(SYS_openat2, dir, cstr(path), how, how.length),
        "openat2",
        `${path} in ${root} RESOLVE_IN_ROOT`,
      );
    } finally {
      this.close(dir);
    }
  }

  getWinSize(fd: number): WinSize {
    const ws = new Uint16Array(4);
    check(
      sys(SYS_ioctl, fd, TIOCGWINSZ, new Uint8Array(ws.buffer)),
      "ioctl",
      `TIOCGWINSZ fd ${fd}`,
    );
    return { rows: ws[0], cols: ws[1] };
  }

  setWinSize(fd: number, size: WinSize): void {
    const ws = new Uint16Array([size.rows, size.cols, 0, 0]);
    check(
      sys(SYS_ioctl, fd, TIOCSWINSZ, new Uint8Array(ws.buffer)),
      "ioctl",
      `TIOCSWINSZ fd ${fd}`,
    );
  }

  socket(domain: number, type: number, protocol: number): number {
    return check(
      sys(SYS_socket, domain, type, protocol),
      "socket",
      `domain ${domain} type ${type}`,
    );
  }

  connectUnix(fd: number, path: string): void {
    // struct sockaddr_un: sa_family_t (u16), then sun_path[108], NUL-terminated here.
    const name = new TextEncoder().encode(path);
    if (name.length >= SUN_PATH_SIZE) {
      throw new SyscallError("connect", path, 36 /* ENAMETOOLONG */);
    }
    const addr = new Uint8Array(2 + SUN_PATH_SIZE);
    new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
    addr.set(name, 2);
    check(sys(SYS_connect, fd, addr, 2 + name.length + 1), "connect", path);
  }

  sendFd(fd: number, data: Uint8Array, passFd: number): void {
    // struct iovec { void *base; size_t len; } over `data`.
    const payload = new Uint8Array(data);
    const iov = new Uint8Array(16);
    const iv = new DataView(iov.buffer);
    iv.setBigUint64(0, address(payload), true);
    iv.setBigUint64(8, BigInt(payload.length), true);
    // One cmsghdr { size_t len; int level; int type; } + an int, padded: CMSG_SPACE(4) = 24.
    const control = new Uint8Array(24);
    const cv = new DataView(control.buffer);
    cv.setBigUint64(0, 20n, /* CMSG_LEN(sizeof(int)) */ true);
    cv.setInt32(8, SOL_SOCKET, true);
    cv.setInt32(12, SCM_RIGHTS, true);
    cv.setInt32(16, passFd, true);
    // struct msghdr: name (ptr, u32 len), iov (ptr, size_t count), control (ptr, size_t len), flags.
    const msg = new Uint8Array(56);
    const mv = new DataView(msg.buffer);
    mv.setBigUint64(16, address(iov), true);
    mv.setBigUint64(24, 1n, true);
    mv.setBigUint64(32, address(control), true);
    mv.setBigUint64(40, BigInt(control.length), true);
    check(sys(SYS_sendmsg, fd, msg, 0), "sendmsg", `fd ${fd} SCM_RIGHTS fd ${passFd}`);
    // Keep the buffers the message points into alive until sendmsg has returned.
    payload.length + iov.length + control.length;
  }

  linkUp(ifname: string): void {
    const sock = check(sys(SYS_socket, AF_INET, SOCK_DGRAM | O_CLOEXEC, 0), "socket", "AF_INET");
    try {
      const req = ifreq(ifname);
      check(sys(SYS_ioctl, sock, SIOCGIFFLAGS, req), "ioctl", `SIOCGIFFLAGS ${ifname}`);
      const flags = new DataView(req.buffer).getUint16(16, true) | IFF_UP;
      new DataView(req.buffer).setUint16(16, flags, true);
      check(sys(SYS_ioctl, sock, SIOCSIFFLAGS, req), "ioctl", `SIOCSIFFLAGS ${ifname}`);
    } finally {
      sys(SYS_close, sock);
    }
  }

  prctl(option: number, arg2: number, arg3 = 0): number {
    return check(
      sys(SYS_prctl, option, arg2, arg3, 0, 0),
      "prctl",
      `${PRCTL_NAMES[option] ?? option} ${arg2}${arg3 ? ` ${arg3}` : ""}`,
    );
  }

  joinSessionKeyring(name: string): number {
    return check(
      sys(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, cstr(name)),
      "keyctl",
      `KEYCTL_JOIN_SESSION_KEYRING ${name}`,
    );
  }

  describeKey(id: number): string {
    const buf = new Uint8Array(4096);
    const n = check(
      sys(SYS_keyctl, KEYCTL_DESCRIBE, id, buf, buf.length),
      "keyctl",
      `KEYCTL_DESCRIBE ${id}`,
    );
    // The length includes the terminating NUL.
    return new TextDecoder().decode(buf.subarray(0, Math.max(0, Math.min(n, buf.length) - 1)));
  }

  setKeyPerm(id: number, perm: number): void {
    check(sys(SYS_keyctl, KEYCTL_SETPERM, id, perm), "keyctl", `KEYCTL_SETPERM ${id}`);
  }

  umask(mask: number): number {
    return Number(sys(SYS_umask, mask));
  }

  resetSignals(): void {
    // struct kernel_sigaction {handler, flags, restorer, mask}: all zero is SIG_DFL.
    const dfl = new Uint8Array(32);
    for (let sig = 1; sig < NSIG; sig++) {
      if (sig === SIGNALS.SIGKILL || sig === SIGNALS.SIGSTOP) continue;
      check(
        sys(SYS_rt_sigaction, sig, dfl, null, 8),
        "rt_sigaction",
        `signal ${sig} SIG_DFL`,
      );
    }
    const empty = new Uint8Array(8); // the kernel's sigset_t: 64 signals
    check(sys(SYS_rt_sigprocmask, SIG_SETMASK, empty, null, 8), "rt_sigprocmask", "SIG_SETMASK");
  }

  waitpid(pid: number, options: number): { pid: number; status: number } {
    const status = new Int32Array(1);
    const got = check(
      sys(SYS_wait4, pid, new Uint8Array(status.buffer), options, null),
      "waitpid",
      `${pid}`,
    );
    return { pid: got, status: status[0] };
  }

  async waitpidAsync(pid: number): Promise<number> {
    const status = new Int32Array(1);
    const got = await libc().waitpid_async(pid, new Uint8Array(status.buffer), 0);
    // errno belongs to the worker thread that made the call: report ECHILD.
    if (got !== pid) throw new SyscallError("waitpid", `${pid}`, 10);
    return status[0];
  }

  lgetxattr(path: string, name: string): Uint8Array | null {
    const p = cstr(path);
    const n = cstr(name);
    for (;;) {
      // Ask for the size, then read; retry if the value grew in between (ERANGE).
      const size = Number(sys(SYS_lgetxattr, p, n, null, 0));
      if (size < 0) {
        if (-size === Errno.ENODATA) return null;
        throw new SyscallError("lgetxattr", `${path} ${name}`, -size);
      }
      const buf = new Uint8Array(size);
      const got = Number(sys(SYS_lgetxattr, p, n, buf, size));
      if (got >= 0) return buf.subarray(0, got);
      const errno = -got;
      if (errno === Errno.ENODATA) return null;
      if (errno !== Errno.ERANGE) throw new SyscallError("lgetxattr", `${path} ${name}`, errno);
    }
  }

  lsetxattr(path: string, name: string, value: Uint8Array): void {
    check(
      sys(SYS_lsetxattr, cstr(path), cstr(name), bytesOf(value), value.length, 0),
      "lsetxattr",
      `${path} ${name}`,
    );
  }

  madvise(address: bigint, length: bigint, advice: number): void {
    check(
      sys(SYS_madvise, address, length, advice),
      "madvise",
      `0x${address.toString(16)} ${length} bytes ${MADV_NAMES[advice] ?? `advice ${advice}`}`,
    );
  }

  syncfs(fd: number): void {
    check(sys(SYS_syncfs, fd), "syncfs", `${fd}`);
  }

  mallocTrim(): boolean {
    return libc().malloc_trim(0n) === 1;
  }

  pidfdOpen(pid: number): number {
    return check(sys(SYS_pidfd_open, pid, 0), "pidfd_open", `${pid}`);
  }

  pidfdSendSignal(pidfd: number, signal: number): void {
    check(
      sys(SYS_pidfd_send_signal, pidfd, signal, null, 0),
      "pidfd_send_signal",
      `fd ${pidfd} signal ${signal}`,
    );
  }

  bpfProgLoad(progType: number, insns: Uint8Array, license: string, name: string): number {
    const detail = `BPF_PROG_LOAD ${name} (${bpfLength(insns)})`;
    const code = new Uint8Array(insns);
    const lic = cstr(license)!;
    // Load once without a log (the kernel is faster without one); on a
    // refusal load again with the verifier's log, for the error message.
    const load = (log: Uint8Array<ArrayBuffer> | null): number => {
      const attr = new Uint8Array(BPF_ATTR_SIZE);
      const v = new DataView(attr.buffer);
      v.setUint32(0, progType, true); // prog_type
      v.setUint32(4, code.length / 8, true); // insn_cnt
      v.setBigUint64(8, address(code), true); // insns
      v.setBigUint64(16, address(lic), true); // license
      if (log) {
        v.setUint32(24, 1, true); // log_level
        v.setUint32(28, log.length, true); // log_size
        v.setBigUint64(32, address(log), true); // log_buf
      }
      attr.set(new TextEncoder().encode(name.slice(0, 15)), 48); // prog_name[16]
      return Number(sys(SYS_bpf, BPF_PROG_LOAD, attr, attr.length));
    };
    const fd = load(null);
    if (fd >= 0) return fd;
    const errno = -fd;
    const log = new Uint8Array(VERIFIER_LOG_SIZE);
    const retry = load(log);
    if (retry >= 0) return retry;
    const end = log.indexOf(0);
    const text = new TextDecoder().decode(log.subarray(0, end < 0 ? log.length : end)).trim();
    throw new SyscallError(
      "bpf",
      text ? `${detail}: verifier: ${text.replaceAll("\n", "; ")}` : detail,
      errno,
    );
  }

  bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number): void {
    const attr = new Uint8Array(BPF_ATTR_SIZE);
    const v = new DataView(attr.buffer);
    v.setUint32(0, targetFd, true); // target_fd
    v.setUint32(4, progFd, true); // attach_bpf_fd
    v.setUint32(8, attachType, true); // attach_type
    v.setUint32(12, flags, true); // attach_flags
    check(
      sys(SYS_bpf, BPF_PROG_ATTACH, attr, attr.length),
      "bpf",
      `BPF_PROG_ATTACH prog fd ${progFd} to fd ${targetFd} type ${attachType}`,
    );
  }
  capset(sets: CapabilitySets): void {
    const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
    // struct __user_cap_data_struct[2]: {effective, permitted, inheritable} per 32 bits.
    const data = new Uint32Array(6);
    for (let word = 0; word < 2; word++) {
      const shift = BigInt(32 * word);
      data[word * 3] = Number((sets.effective >> shift) & 0xffffffffn);
      data[word * 3 + 1] = Number((sets.permitted >> shift) & 0xffffffffn);
      data[word * 3 + 2] = Number((sets.inheritable >> shift) & 0xffffffffn);
    }
    check(
      sys(SYS_capset, new Uint8Array(header.buffer), new Uint8Array(data.buffer)),
      "capset",
      `effective 0x${sets.effective.toString(16)} permitted 0x${sets.permitted.toString(16)}`,
    );
  }

  setresuid(uid: number): void {
    check(sys(SYS_setresuid, uid, uid, uid), "setresuid", `${uid}`);
  }

  setresgid(gid: number): void {
    check(sys(SYS_setresgid, gid, gid, gid), "setresgid", `${gid}`);
  }

  setgroups(gids: readonly number[]): void {
    const list = new Uint32Array(gids);
    check(
      sys(SYS_setgroups, list.length, new Uint8Array(list.buffer)),
      "setgroups",
      `[${gids.join(",")}]`,
    );
  }

  setrlimit(resource: number, soft: bigint, hard: bigint): void {
    const limit = new BigUint64Array([soft, hard]);
    check(
      sys(SYS_prlimit64, 0, resource, new Uint8Array(limit.buffer), null),
      "prlimit",
      `resource ${resource} soft ${soft} hard ${hard}`,
    );
  }

  getrlimit(resource: number): { soft: bigint; hard: bigint } {
    const old = new BigUint64Array(2);
    check(
      sys(SYS_prlimit64, 0, resource, null, new Uint8Array(old.buffer)),
      "prlimit",
      `resource ${resource}`,
    );
    return { soft: old[0], hard: old[1] };
  }

  seccompSetFilter(program: Uint8Array): void {
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    const code = new Uint8Array(program);
    const fprog = new Uint8Array(16);
    const v = new DataView(fprog.buffer);
    v.setUint16(0, Math.floor(code.length / 8), true);
    v.setBigUint64(8, address(code), true);
    check(
      sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, fprog),
      "seccomp",
      `SECCOMP_SET_MODE_FILTER (${bpfLength(code)})`,
    );
  }

  cloexecFrom(first: number): void {
    check(
      sys(SYS_close_range, first, 0xffffffff, CLOSE_RANGE_CLOEXEC),
      "close_range",
      `${first}..~0 CLOSE_RANGE_CLOEXEC`,
    );
  }

  spawn(path: string, argv: readonly string[], env: readonly string[], spec: SpawnSpec): number {
    // posix_spawnattr_t as glibc lays it out (spawn.h): short flags at 0,
    // sigset_t sd (signals reset to SIG_DFL) at 8, sigset_t ss (the mask) at
    // 136; filled here rather than through five setters, each a libc binding.
    const attr = new Uint8Array(SPAWN_STRUCT_BYTES);
    const flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
      (spec.newSession ? POSIX_SPAWN_SETSID : 0);
    new DataView(attr.buffer).setUint16(0, flags, true);
    // Every signal back to SIG_DFL (an ignored one would stay ignored across
    // exec), but glibc's own two (32, 33), as sigfillset(3) leaves them; empty mask.
    new DataView(attr.buffer).setBigUint64(8, 0xfffffffe7fffffffn, true);
    const c = libc();
    const actions = spec.terminal === undefined && spec.stdin === undefined
      ? null
      : new Uint8Array(SPAWN_STRUCT_BYTES);
    if (actions) {
      checkSpawn(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", "");
    }
    try {
      if (actions && spec.terminal !== undefined) {
        // Opened in the child after setsid, without O_NOCTTY: it becomes the controlling tty.
        checkSpawn(
          c.posix_spawn_file_actions_addopen(actions, 0, cstr(spec.terminal), O_RDWR, 0),
          "posix_spawn_file_actions_addopen",
          spec.terminal,
        );
        for (const fd of [1, 2]) {
          checkSpawn(c.posix_spawn_file_actions_adddup2(actions, 0, fd), "adddup2", `0 ${fd}`);
        }
      }
      if (actions && spec.stdin !== undefined) {
        checkSpawn(
          c.posix_spawn_file_actions_adddup2(actions, spec.stdin, 0),
          "posix_spawn_file_actions_adddup2",
          `${spec.stdin} 0`,
        );
      }
      const pid = new Int32Array(1);
      const a = cstrArray(argv);
      const e = cstrArray(env);
      const err = c.posix_spawn(
        new Uint8Array(pid.buffer),
        cstr(path),
        actions,
        attr,
        a.array,
        e.array,
      );
      // Keep the string buffers alive until posix_spawn has returned.
      a.keep.length + e.keep.length;
      checkSpawn(err, "posix_spawn", path);
      return pid[0];
    } finally {
      if (actions) c.posix_spawn_file_actions_destroy(actions);
    }
  }
}
