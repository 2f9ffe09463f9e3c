/**
 * Linux x86_64 constants for the calls in `libc.ts`, from the kernel's uapi
 * headers (sched.h, mount.h, fcntl.h, asm-generic/ioctls.h, …).
 *
 * @module
 */

/** Namespace flags for unshare(2)/setns(2) (linux/sched.h). */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_FS = 0x00000200;

/** mount(2) flags (linux/mount.h). */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_UNBINDABLE = 1 << 17;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
export const MS_RELATIME = 1 << 21;
export const MS_STRICTATIME = 1 << 24;

/** keyctl(2) operations (linux/keyctl.h). */
export const KEYCTL_JOIN_SESSION_KEYRING = 1;
export const KEYCTL_SETPERM = 5;
export const KEYCTL_DESCRIBE = 6;
/** A key's permission bits (linux/key.h): its owner may search it; its possessor, all. */
export const KEY_USR_SEARCH = 0x00080000;
export const KEY_POS_ALL = 0x3f000000;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;

/** open(2)/fcntl(2) flags (asm-generic/fcntl.h). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
/** mmap(2)/mprotect(2) protections and mmap flags. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_PRIVATE = 2;
export const MAP_ANONYMOUS = 0x20;
/** memfd_create(2): the fd closes on execve. */
export const MFD_CLOEXEC = 1;
/** memfd_create(2): seals (F_ADD_SEALS) may be added. */
export const MFD_ALLOW_SEALING = 2;
/**
 * memfd_create(2), Linux 6.3+: the memfd may be made executable, also
 * where vm.memfd_noexec would seal it non-executable (older kernels: EINVAL).
 */
export const MFD_EXEC = 0x10;
/** fcntl(2) on a memfd: adds file seals. */
export const F_ADD_SEALS = 1033;
/** File seals (linux/fcntl.h): no more seals, no shrinking, growing or writing. */
export const F_SEAL_SEAL = 1;
export const F_SEAL_SHRINK = 2;
export const F_SEAL_GROW = 4;
export const F_SEAL_WRITE = 8;
/** execveat(2): the fd itself is the program (no path). */
export const AT_EMPTY_PATH = 0x1000;
/**
 * madvise(2): drop the range's pages from the caller's page tables. A
 * private file mapping's pages then come back from the file (the page
 * cache) on the next touch; an anonymous or copied-on-write page's content
 * is lost (linux/mman.h).
 */
export const MADV_DONTNEED = 4;

/** mknod(2) and stat(2) file types (linux/stat.h); S_IFMT masks the type out of st_mode. */
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;
export const S_IFMT = 0o170000;

/** tty ioctls (asm-generic/ioctls.h). */
export const TIOCSCTTY = 0x540e;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
/** Get the number of a pty master's slave (`/dev/pts/N`). */
export const TIOCGPTN = 0x80045430;
/** Lock (non-zero) or unlock (0) a pty's slave. */
export const TIOCSPTLCK = 0x40045431;

/** Network interface ioctls (linux/sockios.h) and flags (linux/if.h). */
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const IFF_UP = 0x1;
export const AF_INET = 2;
export const SOCK_DGRAM = 2;

/**
 * Netlink sockets and the route family's messages (linux/netlink.h,
 * linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h, linux/veth.h):
 * what `ip link/addr/route` send, for a container's veth pair.
 */
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const NETLINK_ROUTE = 0;
export const NLMSG_ERROR = 2;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MASTER = 10;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const IFLA_BRPORT_MODE = 4;
export const VETH_INFO_PEER = 1;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_BROADCAST = 4;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RTN_UNICAST = 1;

/** Unix-domain sockets (sys/socket.h, linux/un.h): for the console socket's SCM_RIGHTS. */
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SCM_RIGHTS = 1;

/** prctl(2) options (linux/prctl.h). */
export const PR_SET_PDEATHSIG = 1;
export const PR_SET_DUMPABLE = 4;
export const PR_SET_KEEPCAPS = 8;
export const PR_SET_NAME = 15;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_RAISE = 2;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** capset(2) header version (linux/capability.h): two 32-bit words per set. */
export const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/** seccomp(2) (linux/seccomp.h), called through syscall(2). */
export const SYS_seccomp = 317;
export const SECCOMP_SET_MODE_FILTER = 1;

/** close_range(2) (linux/close_range.h), called through syscall(2). */
export const SYS_close_range = 436;
export const CLOSE_RANGE_CLOEXEC = 1 << 2;

/** posix_spawnattr_setflags(3) flags (glibc spawn.h). */
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;

/** waitpid(2) options. */
export const WNOHANG = 1;

/** flock(2) operations. */
export const LOCK_EX = 2;
export const LOCK_UN = 8;

/** Signal numbers of Linux x86_64 (asm/signal.h). */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGWINCH: 28,
};

/** Real-time signals included: signals are 1 … NSIG-1. */
export const NSIG = 65;
/** sigprocmask(2) `how`. */
export const SIG_SETMASK = 2;

/**
 * Syscall numbers of Linux x86_64 (asm/unistd_64.h). Every call is made
 * through glibc's syscall(2), one FFI binding for all: binding a symbol
 * costs ~0.4 ms the first time (measured; a call after that 0.015 ms),
 * and the container init would bind some twenty on every start. The
 * kernel's own calls are also what is wanted: glibc's sigaction refuses
 * the signals it reserves (32, 33), and its setresuid/setresgid/setgroups
 * change every thread, where only the thread that execs matters.
 */
export const SYS_read = 0;
export const SYS_write = 1;
export const SYS_close = 3;
export const SYS_fstat = 5;
export const SYS_madvise = 28;
export const SYS_syncfs = 306;
export const SYS_ioctl = 16;
export const SYS_dup2 = 33;
export const SYS_socket = 41;
export const SYS_connect = 42;
export const SYS_sendmsg = 46;
export const SYS_execve = 59;
export const SYS_wait4 = 61;
export const SYS_kill = 62;
export const SYS_mmap = 9;
export const SYS_mprotect = 10;
export const SYS_fcntl = 72;
export const SYS_fchmod = 91;
export const SYS_execveat = 322;
export const SYS_chdir = 80;
export const SYS_umask = 95;
export const SYS_setsid = 112;
export const SYS_mknod = 133;
export const SYS_fchownat = 260;
export const SYS_utimensat = 280;
/** fchownat(2)'s "change the symlink itself, not what it points to". */
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const SYS_rt_sigprocmask = 14;
export const SYS_mount = 165;
export const SYS_umount2 = 166;
export const SYS_sethostname = 170;
export const SYS_lsetxattr = 189;
export const SYS_lgetxattr = 192;
export const SYS_openat = 257;
export const SYS_openat2 = 437;
/** openat2(2) resolve flags (linux/openat2.h). */
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_IN_ROOT = 0x10;
export const SYS_unshare = 272;
export const SYS_pipe2 = 293;
export const SYS_setns = 308;
export const SYS_memfd_create = 319;
export const SYS_pidfd_send_signal = 424;
export const SYS_pidfd_open = 434;
/** openat(2)'s "relative to the working directory". */
export const AT_FDCWD = -100;
export const SYS_pivot_root = 155;
export const SYS_chroot = 161;
export const SYS_fchdir = 81;
export const SYS_keyctl = 250;
export const SYS_prctl = 157;
export const SYS_capset = 126;
export const SYS_setgroups = 116;
export const SYS_setresuid = 117;
export const SYS_setresgid = 119;
export const SYS_prlimit64 = 302;
export const SYS_rt_sigaction = 13;
export const SYS_bpf = 321;

/** bpf(2) commands, program and attach types, flags (linux/bpf.h). */
export const BPF_PROG_LOAD = 5;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;

/** Resource numbers for prlimit(2) (asm-generic/resource.h). */
export const RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** Capability numbers (linux/capability.h), CAP_CHOWN … CAP_CHECKPOINT_RESTORE. */
export const CAPABILITIES: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};
