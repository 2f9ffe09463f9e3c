/**
 * `dockergsh port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports
 * of a running container on a network (none when it is stopped or has no
 * network, as Docker's NetworkSettings.Ports is then empty).
 *
 * @module
 */

import type { PortMapping } from "../../container/record.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { resolveContainer } from "../_resolve_container.ts";

/** Go's net.JoinHostPort: an IPv6 address in brackets. */
function hostPort(p: PortMapping): string {
  const ip = p.hostIp || "0.0.0.0";
  return ip.includes(":") ? `[${ip}]:${p.hostPort}` : `${ip}:${p.hostPort}`;
}

/** The `port` command. */
export const command: Command = {
  name: "port",
  usage: "port CONTAINER [PRIVATE_PORT[/PROTO]]",
  summary: "List port mappings or a specific mapping for the container",
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  run(ctx, flags) {
    const [ref, wanted] = flags.positionals;
    const record = resolveContainer(new ContainerStore(ctx.root), ref);
    const published = record.state.status === "running" && record.endpoint
      ? record.config.ports
      : [];
    if (wanted === undefined) {
      for (const p of published) console.log(`${p.containerPort}/${p.protocol} -> ${hostPort(p)}`);
      return Promise.resolve(0);
    }
    const [port, proto = "tcp"] = wanted.split("/");
    const matching = published.filter((p) =>
      String(p.containerPort) === port && p.protocol === proto
    );
    if (matching.length === 0) {
      throw new UserError(`Error: No public port '${port}/${proto}' published for ${ref}`, 1);
    }
    for (const p of matching) console.log(hostPort(p));
    return Promise.resolve(0);
  },
};
