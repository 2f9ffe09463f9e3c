/**
 * `--add-host NAME:host-gateway`: Docker writes the host's address on its
 * default bridge (docker0's, or the daemon's --host-gateway-ip). Here: the
 * gateway of the `bridge` network where it exists, else of the container's
 * own bridge network, else the host's source address of its default route
 * (`ip -4 route get`); the entry is stored with that address.
 *
 * @module
 */

import type { CreateSpec } from "../container/container_create.ts";
import { UserError } from "../errors.ts";
import type { StateRoot } from "../store/paths.ts";

const HOST_GATEWAY = "host-gateway";

/** The host's address a container reaches it by, as above; undefined when it has none. */
async function hostGatewayIp(root: StateRoot, networkMode: string): Promise<string | undefined> {
  const [{ tryExec }, { DEFAULT_NETWORK, NetworkStore }] = await Promise.all([
    import("../network/_exec.ts"),
    import("../network/network_store.ts"),
  ]);
  const networks = new NetworkStore(root);
  const bridge = networks.get(DEFAULT_NETWORK) ?? networks.get(networkMode);
  if (bridge) return bridge.gateway;
  const route = tryExec("ip", ["-4", "route", "get", "1.0.0.0"]);
  return route.code === 0 ? /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(route.stdout)?.[1] : undefined;
}

/**
 * `spec` with each `NAME:host-gateway` of its extra hosts given the host's
 * address. The network stack is loaded only when one asks for it.
 */
export async function withHostGateway(root: StateRoot, spec: CreateSpec): Promise<CreateSpec> {
  const hosts = spec.extraHosts ?? [];
  if (!hosts.some((h) => h.endsWith(`:${HOST_GATEWAY}`))) return spec;
  const ip = await hostGatewayIp(root, spec.networkMode);
  if (!ip) {
    throw new UserError(
      "dockergsh: Error response from daemon: unable to derive the IP value for host-gateway",
    );
  }
  return {
    ...spec,
    extraHosts: hosts.map((h) =>
      h.endsWith(`:${HOST_GATEWAY}`) ? `${h.slice(0, -HOST_GATEWAY.length)}${ip}` : h
    ),
  };
}
