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

/** `--add-host NAME:IP` lines as entries, in the order given. */
export function extraHostsEntries(extraHosts: readonly string[] = []): HostsEntry[] {
  return extraHosts.map((h) => {
    const colon = h.indexOf(":");
    return { ip: h.slice(colon + 1), names: [h.slice(0, colon)] };
  });
}

/**
 * /etc/hosts text for a container: loopback names, then the `--add-host`
 * entries (`extra`), then its own address and its peers', in Docker's order.
 */
export function renderHosts(
  self: HostsEntry | undefined,
  peers: readonly HostsEntry[],
  extra: readonly HostsEntry[] = [],
): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  ];
  for (const e of [...extra, ...(self ? [self] : []), ...peers]) {
    lines.push(`${e.ip}\t${[...new Set(e.names)].join(" ")}`);
  }
  return lines.join("\n") + "\n";
}
