/**
 * What a container is on a network, as the bridge driver makes it: its
 * endpoint (address, gateway, the host end of its veth) and the ports it
 * publishes. The container record stores both (src/container/record.ts);
 * they are defined here, below it, because the driver works in their terms.
 *
 * @module
 */

/** One published port (`-p [IP:]HOST:CONTAINER[/proto]`). */
export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

/** Network attachment of a started container. */
export interface NetworkEndpoint {
  network: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  hostVeth: string;
}
