/**
 * The container's resolv.conf from the host's and `--dns*`.
 *
 * @module
 */

import type { DnsConfig } from "./record.ts";

/**
 * The container's resolv.conf: the host's (`hostText`) with what the flags
 * replace, as Docker writes it: `search` first, then `nameserver`s, then
 * `options`. `--dns-search .` means no search domains.
 */
export function resolvConfWith(hostText: string, dns: DnsConfig | undefined): string {
  if (!dns) return hostText;
  const hostLines = hostText.split("\n");
  const pick = (word: string) =>
    hostLines.filter((l) => new RegExp(`^\\s*${word}\\s`).test(l)).map((l) =>
      l.trim().split(/\s+/).slice(1)
    );
  const search = dns.search.length ? dns.search.filter((d) => d !== ".") : pick("search").flat();
  const servers = dns.servers.length ? dns.servers : pick("nameserver").map((w) => w[0]);
  const options = dns.options.length ? dns.options : pick("options").flat();
  const lines = [
    ...(search.length ? [`search ${search.join(" ")}`] : []),
    ...servers.map((s) => `nameserver ${s}`),
    ...(options.length ? [`options ${options.join(" ")}`] : []),
  ];
  return lines.join("\n") + "\n";
}
