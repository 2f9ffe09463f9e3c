/**
 * `run`/`create` network flags: `--net`/`--network`, `-p`/`--publish`, `--ip`.
 *
 * @module
 */

import type { PortMapping } from "../container/record.ts";
import { UserError } from "../errors.ts";
import { checkNetworkName } from "../network/_name.ts";
import { parseIpv4 } from "../network/cidr.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";

/** The network flags of `run` and `create`. */
export const NETWORK_FLAGS: FlagSpec[] = [
  {
    long: "network",
    aliases: ["net"],
    kind: "string",
    help: "Connect a container to a network (bridge, host, none or a network name)",
  },
  {
    long: "publish",
    short: "p",
    kind: "list",
    help: "Publish a container's port to the host ([IP:]HOSTPORT:CONTAINERPORT[/tcp|udp])",
  },
  { long: "ip", kind: "string", help: "IPv4 address (on a user-defined network)" },
];

/** What the network flags ask for. */
export interface NetworkRequest {
  networkMode: string;
  ports: PortMapping[];
  ipRequest?: string;
}

/** A port number 1-65535 written plainly, or a UserError naming `what`. */
function portNumber(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535) {
    throw new UserError(`dockergsh: invalid ${what}: ${text}`);
  }
  return Number(text);
}

/** `[IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]` → a port mapping. */
export function parsePublish(spec: string): PortMapping {
  const slash = spec.lastIndexOf("/");
  const body = slash < 0 ? spec : spec.slice(0, slash);
  const protocol = slash < 0 ? "tcp" : spec.slice(slash + 1).toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp") {
    throw new UserError(`dockergsh: invalid proto: ${protocol} (tcp or udp)`);
  }
  const parts = body.split(":");
  if (parts.length === 1) {
    throw new UserError(
      `dockergsh: invalid publish spec "${spec}": a host port is required (HOSTPORT:CONTAINERPORT)`,
    );
  }
  if (parts.length > 3) {
    throw new UserError(
      `dockergsh: invalid publish spec "${spec}": expected [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp] (IPv4 only)`,
    );
  }
  const [hostIp, hostPort, containerPort] = parts.length === 3 ? parts : ["", ...parts];
  if (hostIp !== "" && parseIpv4(hostIp) === undefined) {
    throw new UserError(`dockergsh: invalid IP address: ${hostIp}`);
  }
  if (hostPort.includes("-") || containerPort.includes("-")) {
    throw new UserError(`dockergsh: invalid publish spec "${spec}": port ranges are not supported`);
  }
  return {
    hostIp,
    hostPort: portNumber(hostPort, "hostPort"),
    containerPort: portNumber(containerPort, "containerPort"),
    protocol,
  };
}

/**
 * The network request of parsed `run`/`create` flags. Default network
 * mode: `bridge`. Ports with `--net host` are dropped with Docker's warning.
 */
export function networkFromFlags(flags: ParsedFlags): NetworkRequest {
  const networkMode = flags.strings.get("network") ?? "bridge";
  if (networkMode.startsWith("container:")) {
    throw new UserError(
      `dockergsh: --network ${networkMode}: joining another container's network is not supported`,
    );
  }
  if (networkMode !== "host" && networkMode !== "none") checkNetworkName(networkMode);
  let ports = (flags.lists.get("publish") ?? []).map(parsePublish);
  if (networkMode === "host" && ports.length > 0) {
    console.error("WARNING: Published ports are discarded when using host network mode");
    ports = [];
  }
  // With `none`, Docker keeps the ports in HostConfig and publishes none of them.
  const ipRequest = flags.strings.get("ip");
  if (ipRequest === undefined) return { networkMode, ports };
  if (parseIpv4(ipRequest) === undefined) {
    throw new UserError(`dockergsh: invalid IPv4 address: ${ipRequest}`);
  }
  if (["bridge", "host", "none"].includes(networkMode)) {
    throw new UserError(
      "dockergsh: Error response from daemon: user specified IP address is supported on user defined networks only",
    );
  }
  return { networkMode, ports, ipRequest };
}
