/**
 * The kernel interface `src/` programs against. `LinuxKernel` (linux.ts)
 * implements it with libc calls; tests use a recording double so the order
 * of kernel steps can be checked without root.
 *
 * Every method throws `SyscallError` on failure.
 *
 * @module
 */

/** Terminal window size in character cells. */
export interface WinSize {
  rows: number;
  cols: number;
}

/** The libc calls dockergsh needs, one method per call. */
export interface Kernel {
  unshare(flags: number): void;
  setns(fd: number, nstype: number): void;
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data?: string | null,
  ): void;
  umount2(target: string, flags: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  chroot(path: string): void;
  fchdir(fd: number): void;
  chdir(path: string): void;
  sethostname(name: string): void;
  /** Replaces the process image; returns only by throwing. */
  execve(path: string, argv: readonly string[], env: readonly string[]): never;
  /** execveat(2) with AT_EMPTY_PATH: runs the program open on `fd`; returns only by throwing. */
  execveat(fd: number, argv: readonly string[], env: readonly string[]): never;
  kill(pid: number, signal: number): void;
  /** A pipe as [readEnd, writeEnd]. */
  pipe2(flags: number): [number, number];
  /** memfd_create(2): an anonymous in-memory file, gone with its last fd; its fd. */
  memfdCreate(name: string, flags: number): number;
  /** fcntl(F_ADD_SEALS): adds the F_SEAL_* `seals` to the memfd open on `fd`. */
  addSeals(fd: number, seals: number): void;
  /** fchmod(2) of the file open on `fd`. */
  fchmod(fd: number, mode: number): void;
  setCloexec(fd: number, on: boolean): void;
  /** fcntl(F_GETFD): whether `fd` closes on exec (EBADF when it is not open). */
  isCloexec(fd: number): boolean;
  dup2(oldFd: number, newFd: number): void;
  open(path: string, flags: number, mode?: number): number;
  close(fd: number): void;
  /** fstat(2): the type and permission bits, owner and size of the file open on `fd`. */
  fstat(fd: number): FileStatus;
  /** Bytes read into `buf`; 0 at end of file. */
  read(fd: number, buf: Uint8Array): number;
  /** `read` on a worker thread, for relaying without blocking the event loop. */
  readAsync(fd: number, buf: Uint8Array): Promise<number>;
  write(fd: number, data: Uint8Array): number;
  mknod(path: string, mode: number, major: number, minor: number): void;
  /**
   * fchownat(2) of `name` (one component) in the directory open on `dirFd`,
   * without following it when it is a symlink (AT_SYMLINK_NOFOLLOW).
   */
  lchownAt(dirFd: number, name: string, uid: number, gid: number): void;
  /**
   * utimensat(2) of `name` in the directory open on `dirFd` (or a path from
   * AT_FDCWD), not following a symlink: its access and modification times.
   */
  lutimesAt(dirFd: number, name: string, atime: Date, mtime: Date): void;
  setsid(): number;
  /** Makes the tty open on `fd` the caller's controlling terminal. */
  setControllingTty(fd: number): void;
  /**
   * A new pseudo-terminal from the devpts multiplexer `ptmx` (a devpts
   * instance's `ptmx`): the master fd and the slave's number N (`pts/N`).
   */
  openPty(ptmx: string): { master: number; index: number };
  /**
   * openat2(2) of `path` resolved inside `root` as if `root` were "/" (no
   * symlink, `..` or /proc magic link leads out of it): its fd.
   */
  openInRoot(root: string, path: string, flags: number): number;
  getWinSize(fd: number): WinSize;
  setWinSize(fd: number, size: WinSize): void;
  /** socket(2): a new socket's fd. */
  socket(domain: number, type: number, protocol: number): number;
  /** connect(2) of socket `fd` to the unix-domain socket at `path`. */
  connectUnix(fd: number, path: string): void;
  /**
   * sendmsg(2) on socket `fd`: the bytes `data` with `passFd` attached as
   * SCM_RIGHTS ancillary data (the receiver gets its own fd for that file).
   */
  sendFd(fd: number, data: Uint8Array, passFd: number): void;
  /** Sets IFF_UP on a network interface of the caller's network namespace. */
  linkUp(ifname: string): void;
  /** prctl(2) with up to two arguments; returns the call's result (PR_CAPBSET_READ). */
  prctl(option: number, arg2: number, arg3?: number): number;
  /** keyctl(KEYCTL_JOIN_SESSION_KEYRING): joins (or makes) the session keyring `name`; its ID. */
  joinSessionKeyring(name: string): number;
  /** keyctl(KEYCTL_DESCRIBE): `type;uid;gid;perm;description` of key `id`, perm in hex. */
  describeKey(id: number): string;
  /** keyctl(KEYCTL_SETPERM): key `id`'s permission mask. */
  setKeyPerm(id: number, perm: number): void;
  umask(mask: number): number;
  /** Every catchable signal back to SIG_DFL and an empty signal mask (before execve). */
  resetSignals(): void;
  /** waitpid(2): the reaped pid (0 with WNOHANG and nothing to reap) and raw status. */
  waitpid(pid: number, options: number): { pid: number; status: number };
  /** waitpid(2) of `pid` on a worker thread, without blocking the event loop: its raw status. */
  waitpidAsync(pid: number): Promise<number>;
  /**
   * lgetxattr(2): the value of extended attribute `name` of `path` (not
   * following a final symlink), or null when `path` has no such attribute.
   */
  lgetxattr(path: string, name: string): Uint8Array | null;
  /** lsetxattr(2): sets extended attribute `name` of `path` (not following a final symlink). */
  lsetxattr(path: string, name: string, value: Uint8Array): void;
  /**
   * madvise(2) of the `length` bytes at `address` (page-aligned) with
   * `advice` (a MADV_* constant). The caller answers for what the advice
   * does to the memory there: MADV_DONTNEED discards anonymous content.
   */
  madvise(address: bigint, length: bigint, advice: number): void;
  /** syncfs(2): writes out and waits for everything dirty on the filesystem `fd` is on. */
  syncfs(fd: number): void;
  /**
   * malloc_trim(3) with no padding: libc's allocator hands the free pages
   * of its heaps back to the kernel. Whether it gave any back (it cannot fail).
   */
  mallocTrim(): boolean;
  /** pidfd_open(2): a file descriptor that refers to process `pid` and no later reuse of it. */
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal(2): signals the process `pidfd` refers to (ESRCH once it has exited). */
  pidfdSendSignal(pidfd: number, signal: number): void;
  /**
   * bpf(BPF_PROG_LOAD): loads eBPF `insns` (8 bytes each) as a program of
   * `progType` and returns its fd (close-on-exec). A program the verifier
   * refuses throws with the verifier's log in the message.
   */
  bpfProgLoad(progType: number, insns: Uint8Array, license: string, name: string): number;
  /** bpf(BPF_PROG_ATTACH): attaches program `progFd` to `targetFd` (e.g. a cgroup directory). */
  bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number): void;
  /** capset(2) on the calling thread: the three sets as 64-bit masks. */
  capset(sets: CapabilitySets): void;
  /** setresuid(2), for the calling thread only (the kernel's call, not glibc's every-thread one). */
  setresuid(uid: number): void;
  /** setresgid(2), for the calling thread only. */
  setresgid(gid: number): void;
  /** setgroups(2): the calling thread's supplementary groups. */
  setgroups(gids: readonly number[]): void;
  /** prlimit(2) on the calling process. */
  setrlimit(resource: number, soft: bigint, hard: bigint): void;
  /** prlimit(2) of the calling process, read: its soft and hard limit of `resource`. */
  getrlimit(resource: number): { soft: bigint; hard: bigint };
  /**
   * seccomp(SECCOMP_SET_MODE_FILTER): installs the classic-BPF `program`
   * (8-byte `struct sock_filter`s) on the calling thread.
   */
  seccompSetFilter(program: Uint8Array): void;
  /** close_range(2) with CLOSE_RANGE_CLOEXEC: every fd from `first` up closes on execve. */
  cloexecFrom(first: number): void;
  /** posix_spawn(3) from the calling thread: a new process running `path`, as `spec` says; its PID. */
  spawn(path: string, argv: readonly string[], env: readonly string[], spec: SpawnSpec): number;
}

/** What fstat(2) tells of a file that dockergsh decides on. */
export interface FileStatus {
  /** st_mode: the file type (S_IFMT bits) and permission bits. */
  mode: number;
  /** st_uid: the owner. */
  uid: number;
  /** st_size in bytes. */
  size: number;
}

/** Capability sets as bit masks (bit N is capability N). */
export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

/**
 * What posix_spawn sets up in the child before it executes: every signal
 * to SIG_DFL and an empty mask always. The child inherits the caller's fds
 * that are not close-on-exec (make 0-2 what it should have, and the rest
 * close-on-exec), or gets `terminal` opened as 0, 1 and 2.
 */
export interface SpawnSpec {
  terminal?: string;
  /** An fd to become the child's stdin (dup2'd onto 0 in the child). */
  stdin?: number;
  /** New session (setsid); with `terminal`, the terminal becomes its controlling tty. */
  newSession: boolean;
}
