/**
 * rtnetlink, the kernel interface behind `ip link`, `ip addr` and `ip
 * route`: a NETLINK_ROUTE socket and the few requests a container's veth
 * pair needs. A socket belongs to the network namespace it was made in,
 * so `RouteNetlink.in(pid)` makes one inside a container's namespace (the
 * calling thread enters it for the socket(2) call only) and configures the
 * container's side with no `nsenter` and no `ip` process.
 *
 * Every request asks for the kernel's acknowledgement: a refusal is one
 * SyscallError naming the message and what it asked (`RTM_NEWLINK
 * vethab12… type veth peer eth0: EEXIST`). `--debug` shows each message as
 * it is sent.
 *
 * @module
 */

import {
  AF_INET,
  AF_NETLINK,
  CLONE_NEWNET,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_LOCAL,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_BRPORT_MODE,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_NET_NS_PID,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  O_CLOEXEC,
  O_RDONLY,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTA_GATEWAY,
  RTA_OIF,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTPROT_BOOT,
  SOCK_CLOEXEC,
  SOCK_RAW,
  VETH_INFO_PEER,
} from "../../ffi/constants.ts";
import { Errno, SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { concatBytes } from "../_bytes.ts";
import { debug } from "../debug.ts";
import { parseIpv4 } from "./cidr.ts";

const MESSAGE_NAMES: Record<number, string> = {
  [RTM_NEWLINK]: "RTM_NEWLINK",
  [RTM_DELLINK]: "RTM_DELLINK",
  [RTM_GETLINK]: "RTM_GETLINK",
  [RTM_NEWADDR]: "RTM_NEWADDR",
  [RTM_NEWROUTE]: "RTM_NEWROUTE",
};

/** `n` as a native-endian (little, x86_64) u32. */
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** A NUL-terminated string attribute's payload. */
function cString(s: string): Uint8Array {
  return concatBytes(new TextEncoder().encode(s), new Uint8Array(1));
}

/** An IPv4 address in network order. */
function ipv4Bytes(ip: string): Uint8Array {
  const n = parseIpv4(ip);
  if (n === undefined) throw new Error(`not an IPv4 address: ${ip}`);
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** A MAC address `aa:bb:…` as its 6 bytes. */
function macBytes(mac: string): Uint8Array {
  return new Uint8Array(mac.split(":").map((h) => parseInt(h, 16)));
}

/** One route attribute (struct rtattr / nlattr): length, type, payload, padded to 4 bytes. */
function attr(type: number, payload: Uint8Array): Uint8Array {
  const len = 4 + payload.length;
  const out = new Uint8Array((len + 3) & ~3);
  const view = new DataView(out.buffer);
  view.setUint16(0, len, true);
  view.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

/** struct ifinfomsg: family, type, index, flags, change (16 bytes). */
function ifinfomsg(index = 0, flags = 0, change = 0): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setInt32(4, index, true);
  view.setUint32(8, flags, true);
  view.setUint32(12, change, true);
  return out;
}

/** struct ifaddrmsg: family, prefix length, flags, scope, index (8 bytes). */
function ifaddrmsg(prefixLen: number, index: number): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = AF_INET;
  out[1] = prefixLen;
  new DataView(out.buffer).setUint32(4, index, true);
  return out;
}

/** struct rtmsg of a main-table unicast IPv4 route to `dstLen`-bit destinations (12 bytes). */
function rtmsg(dstLen: number): Uint8Array {
  return new Uint8Array([
    AF_INET,
    dstLen,
    0,
    0,
    RT_TABLE_MAIN,
    RTPROT_BOOT,
    RT_SCOPE_UNIVERSE,
    RTN_UNICAST,
    0,
    0,
    0,
    0,
  ]);
}

/** The IPv4 broadcast address of `ip`/`prefixLen` (what `ip addr add … brd +` computes). */
export function broadcastOf(ip: string, prefixLen: number): string {
  const n = parseIpv4(ip)!;
  const host = prefixLen >= 32 ? 0 : 2 ** (32 - prefixLen) - 1;
  const b = (n | host) >>> 0;
  return [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join(".");
}

/** A NETLINK_ROUTE socket of one network namespace. */
export class RouteNetlink {
  private seq = 0;

  private constructor(
    private readonly kernel: Kernel,
    private readonly fd: number,
    /** Where its requests go, for --debug: "" or " in the netns of <pid>". */
    private readonly where: string,
  ) {}

  /** A socket in this process's own network namespace. */
  static open(kernel: Kernel): RouteNetlink {
    return new RouteNetlink(kernel, routeSocket(kernel), "");
  }

  /**
   * A socket in the network namespace of process `pid`: the calling thread
   * enters it for the socket(2) call, then returns to its own (the socket
   * stays bound to the namespace it was made in).
   */
  static in(kernel: Kernel, pid: number): RouteNetlink {
    const own = kernel.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    try {
      const target = kernel.open(`/proc/${pid}/ns/net`, O_RDONLY | O_CLOEXEC);
      let fd: number;
      try {
        kernel.setns(target, CLONE_NEWNET);
        try {
          fd = routeSocket(kernel);
        } finally {
          kernel.setns(own, CLONE_NEWNET);
        }
      } finally {
        kernel.close(target);
      }
      return new RouteNetlink(kernel, fd, ` in the netns of ${pid}`);
    } finally {
      kernel.close(own);
    }
  }

  /** Closes the socket. */
  close(): void {
    this.kernel.close(this.fd);
  }

  /**
   * `ip link add HOST type veth peer name PEER address MAC netns PID`: a
   * veth pair whose peer end is made directly in the namespace of `peer.netnsPid`.
   */
  addVethPair(host: string, peer: { name: string; mac: string; netnsPid: number }): void {
    const peerInfo = concatBytes(
      ifinfomsg(),
      attr(IFLA_IFNAME, cString(peer.name)),
      attr(IFLA_ADDRESS, macBytes(peer.mac)),
      attr(IFLA_NET_NS_PID, u32(peer.netnsPid)),
    );
    this.request(
      RTM_NEWLINK,
      NLM_F_CREATE | NLM_F_EXCL,
      concatBytes(
        ifinfomsg(),
        attr(IFLA_IFNAME, cString(host)),
        attr(
          IFLA_LINKINFO,
          concatBytes(
            attr(IFLA_INFO_KIND, cString("veth")),
            attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peerInfo)),
          ),
        ),
      ),
      `${host} type veth peer ${peer.name} address ${peer.mac} netns ${peer.netnsPid}`,
    );
  }

  /** `ip link set NAME master BRIDGE` (by the bridge's index). */
  setMaster(name: string, bridgeIndex: number): void {
    this.request(
      RTM_NEWLINK,
      0,
      concatBytes(
        ifinfomsg(),
        attr(IFLA_IFNAME, cString(name)),
        attr(IFLA_MASTER, u32(bridgeIndex)),
      ),
      `${name} master ${bridgeIndex}`,
    );
  }

  /**
   * `ip link set NAME type bridge_slave hairpin on`: a frame may leave by
   * the bridge port it came in by.
   */
  setHairpin(name: string): void {
    this.request(
      RTM_NEWLINK,
      0,
      concatBytes(
        ifinfomsg(),
        attr(IFLA_IFNAME, cString(name)),
        attr(
          IFLA_LINKINFO,
          concatBytes(
            attr(IFLA_INFO_SLAVE_KIND, cString("bridge")),
            attr(IFLA_INFO_SLAVE_DATA, attr(IFLA_BRPORT_MODE, new Uint8Array([1]))),
          ),
        ),
      ),
      `${name} type bridge_slave hairpin on`,
    );
  }

  /** `ip link set NAME up`. */
  setUp(name: string): void {
    this.request(
      RTM_NEWLINK,
      0,
      concatBytes(ifinfomsg(0, IFF_UP, IFF_UP), attr(IFLA_IFNAME, cString(name))),
      `${name} up`,
    );
  }

  /** `ip link del dev NAME`; false when there is no such link. */
  deleteLink(name: string): boolean {
    try {
      this.request(
        RTM_DELLINK,
        0,
        concatBytes(ifinfomsg(), attr(IFLA_IFNAME, cString(name))),
        name,
      );
      return true;
    } catch (err) {
      if (err instanceof SyscallError && err.errno === Errno.ENODEV) return false;
      throw err;
    }
  }

  /** The interface index of link `name` (`ip link show NAME`). */
  linkIndex(name: string): number {
    const reply = this.request(
      RTM_GETLINK,
      0,
      concatBytes(ifinfomsg(), attr(IFLA_IFNAME, cString(name))),
      name,
      RTM_NEWLINK,
    );
    // The reply is the link: its ifinfomsg follows the 16-byte header.
    return new DataView(reply!.buffer, reply!.byteOffset).getInt32(16 + 4, true);
  }

  /** `ip addr add IP/PREFIX brd + dev NAME`. */
  addAddress(name: string, ip: string, prefixLen: number): void {
    const index = this.linkIndex(name);
    const brd = broadcastOf(ip, prefixLen);
    this.request(
      RTM_NEWADDR,
      NLM_F_CREATE | NLM_F_EXCL,
      concatBytes(
        ifaddrmsg(prefixLen, index),
        attr(IFA_LOCAL, ipv4Bytes(ip)),
        attr(IFA_ADDRESS, ipv4Bytes(ip)),
        attr(IFA_BROADCAST, ipv4Bytes(brd)),
      ),
      `${ip}/${prefixLen} brd ${brd} dev ${name}`,
    );
  }

  /** `ip route add default via GATEWAY dev NAME`. */
  addDefaultRoute(gateway: string, name: string): void {
    const index = this.linkIndex(name);
    this.request(
      RTM_NEWROUTE,
      NLM_F_CREATE | NLM_F_EXCL,
      concatBytes(rtmsg(0), attr(RTA_GATEWAY, ipv4Bytes(gateway)), attr(RTA_OIF, u32(index))),
      `default via ${gateway} dev ${name}`,
    );
  }

  /**
   * Sends one request and reads until the kernel acknowledges it; returns
   * the reply of type `replyType` when asked for one. A negative
   * acknowledgement throws, naming `type` and `what`.
   */
  private request(
    type: number,
    flags: number,
    body: Uint8Array,
    what: string,
    replyType?: number,
  ): Uint8Array | undefined {
    const name = MESSAGE_NAMES[type] ?? `netlink message ${type}`;
    const detail = `${what}${this.where}`;
    debug("netlink", `${name} ${detail}`);
    const seq = ++this.seq;
    const header = new Uint8Array(16);
    const view = new DataView(header.buffer);
    view.setUint32(0, 16 + body.length, true);
    view.setUint16(4, type, true);
    view.setUint16(6, NLM_F_REQUEST | NLM_F_ACK | flags, true);
    view.setUint32(8, seq, true);
    this.kernel.write(this.fd, concatBytes(header, body));
    let reply: Uint8Array | undefined;
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = this.kernel.read(this.fd, buf);
      if (n === 0) throw new SyscallError(name, `${detail}: the socket closed`, Errno.EINVAL);
      for (let off = 0; off + 16 <= n;) {
        const msg = new DataView(buf.buffer, off);
        const len = msg.getUint32(0, true);
        if (len < 16 || off + len > n) break;
        if (msg.getUint32(8, true) === seq) {
          const got = msg.getUint16(4, true);
          if (got === NLMSG_ERROR) {
            const error = msg.getInt32(16, true);
            if (error !== 0) throw new SyscallError(name, detail, -error);
            return reply;
          }
          if (got === replyType) reply = buf.slice(off, off + len);
        }
        off += (len + 3) & ~3;
      }
    }
  }
}

/** socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) in the calling thread's namespace. */
function routeSocket(kernel: Kernel): number {
  return kernel.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}
