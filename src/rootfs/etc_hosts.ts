/**
 * The container's /etc/hosts: loopback names, the container's own address
 * with its hostname and name, and the other containers on its network.
 *
 * @module
 */

/** One line of /etc/hosts. */
export interface HostsEntry {
  ip: string;
  names: string[];
}

/** /etc/hosts text for a container. */
export function renderHosts(self: HostsEntry | undefined, peers: readonly HostsEntry[]): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  ];
  for (const e of [...(self ? [self] : []), ...peers]) {
    lines.push(`${e.ip}\t${[...new Set(e.names)].join(" ")}`);
  }
  return lines.join("\n") + "\n";
}
