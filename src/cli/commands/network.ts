/**
 * `dockergsh network create|ls|rm|inspect`: user-defined bridge networks.
 *
 * @module
 */

import { removeNetwork } from "../../container/container_network.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import { DEFAULT_NETWORK, type NetworkRecord, NetworkStore } from "../../network/network_store.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { type ParsedFlags, parseFlags } from "../flags.ts";
import { compileTemplate } from "../_go_template.ts";
import { formatTable } from "../_table.ts";
import { goTimeString } from "../_container_list.ts";
import { formatRows } from "../_format_output.ts";
import { commandHelp } from "../_help.ts";
import {
  type BuiltinNetwork,
  builtinNetworks,
  inspectBuiltinNetwork,
} from "../_builtin_networks.ts";

/** `network create [--driver bridge] [--subnet CIDR] [--gateway IP] NAME`. */
const create: Command = {
  name: "create",
  usage: "network create [OPTIONS] NETWORK",
  summary: "Create a network",
  flags: [
    // Docker's words; this engine's networks are IPv4 bridges, one subnet each.
    {
      long: "driver",
      short: "d",
      kind: "string",
      defaultValue: "bridge",
      help: "Driver to manage the Network",
    },
    {
      long: "subnet",
      kind: "string",
      help: "Subnet in CIDR format that represents a network segment",
    },
    { long: "gateway", kind: "string", help: "IPv4 or IPv6 Gateway for the master subnet" },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, flags) {
    const rec = new NetworkStore(ctx.root).create({
      name: flags.positionals[0],
      driver: flags.strings.get("driver"),
      subnet: flags.strings.get("subnet"),
      gateway: flags.strings.get("gateway"),
    });
    console.log(rec.id);
    return Promise.resolve(0);
  },
};

/** `network ls --format` fields and their headers (Docker's networkContext). */
const NETWORK_HEADERS: Record<string, string> = {
  CreatedAt: "CREATED AT",
  Driver: "DRIVER",
  ID: "NETWORK ID",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  Name: "NAME",
  Scope: "SCOPE",
};

const NETWORK_FILTERS = ["driver", "id", "label", "name", "scope", "type"];

/** A network `ls` and `inspect` show: a bridge network of the store, or `host` or `none`. */
export type ListedNetwork =
  | {
    builtin: false;
    id: string;
    name: string;
    driver: string;
    created: string;
    record: NetworkRecord;
  }
  | (BuiltinNetwork & { builtin: true });

/** Every network of `root`, by name (Docker's order). */
async function listNetworks(root: StateRoot): Promise<ListedNetwork[]> {
  const stored = new NetworkStore(root).list().map((record) => ({
    builtin: false as const,
    id: record.id,
    name: record.name,
    driver: record.driver,
    created: record.created,
    record,
  }));
  const builtin = (await builtinNetworks(root)).map((n) => ({ ...n, builtin: true as const }));
  return [...builtin, ...stored].sort((a, b) => a.name.localeCompare(b.name));
}

/** The network `ref` names (name, full ID or unique ID prefix), `host` and `none` too. */
export async function resolveNetwork(root: StateRoot, ref: string): Promise<ListedNetwork> {
  const builtin = (await builtinNetworks(root)).find((n) =>
    n.name === ref || (/^[0-9a-f]+$/.test(ref) && n.id.startsWith(ref))
  );
  if (builtin) return { ...builtin, builtin: true };
  const record = new NetworkStore(root).resolve(ref);
  return {
    builtin: false,
    id: record.id,
    name: record.name,
    driver: record.driver,
    created: record.created,
    record,
  };
}

/** The inspect object of any network. */
export function inspectListedNetwork(root: StateRoot, net: ListedNetwork): Record<string, unknown> {
  if (!net.builtin) return inspectNetwork(root, net.record);
  const containers: Record<string, unknown> = {};
  for (const c of new ContainerStore(root).list()) {
    if (c.state.status !== "running" || c.config.networkMode !== net.name) continue;
    containers[c.id] = {
      Name: c.name,
      EndpointID: "",
      MacAddress: "",
      IPv4Address: "",
      IPv6Address: "",
    };
  }
  return inspectBuiltinNetwork(net, containers);
}

/** The predicate of `network ls -f` values; Docker's error for a key it does not know. */
function networkFilter(specs: readonly string[]): (n: ListedNetwork) => boolean {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (!NETWORK_FILTERS.includes(key)) {
      throw new UserError(`Error response from daemon: Invalid filter '${key}'`, 1);
    }
    byKey.set(key, [...byKey.get(key) ?? [], spec.slice(eq + 1)]);
  }
  const matches = (n: ListedNetwork, key: string, v: string) => {
    switch (key) {
      case "driver":
        return n.driver === v;
      case "id":
        return n.id.startsWith(v);
      case "name":
        return n.name.includes(v);
      case "scope":
        return v === "local";
      case "type":
        return v === (n.builtin || n.name === DEFAULT_NETWORK ? "builtin" : "custom");
      default: // label: networks here carry none
        return false;
    }
  };
  return (n) => [...byKey].every(([key, values]) => values.some((v) => matches(n, key, v)));
}

/** `network ls [-q] [--no-trunc] [-f KEY=VALUE] [--format T]`. */
const ls: Command = {
  name: "ls",
  usage: "network ls [OPTIONS]",
  summary: "List networks",
  flags: [
    {
      long: "filter",
      short: "f",
      kind: "list",
      type: "filter",
      help: "Provide filter values (e.g. 'driver=bridge')",
    },
    { long: "format", kind: "string", help: "Pretty-print networks using a Go template" },
    { long: "quiet", short: "q", kind: "bool", help: "Only display network IDs" },
    { long: "no-trunc", kind: "bool", help: "Do not truncate the output" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const id = (full: string) => (flags.bools.has("no-trunc") ? full : full.slice(0, 12));
    const all = (await listNetworks(ctx.root)).filter(
      networkFilter(flags.lists.get("filter") ?? []),
    );
    const format = flags.strings.get("format");
    if (format !== undefined && !flags.bools.has("quiet")) {
      const rows = all.map((n) => ({
        CreatedAt: goTimeString(n.created, true),
        Driver: n.driver,
        ID: id(n.id),
        IPv6: "false",
        Internal: "false",
        Labels: "",
        Name: n.name,
        Scope: "local",
      }));
      const type = {
        headers: NETWORK_HEADERS,
        structType: "*network.networkContext",
        execPrefix: "template parsing error",
        parsePrefix: "template parsing error",
      } as const;
      for (const line of formatRows(format, rows, type)) console.log(line);
      return 0;
    }
    if (flags.bools.has("quiet")) {
      for (const n of all) console.log(id(n.id));
      return 0;
    }
    console.log(formatTable(
      ["NETWORK ID", "NAME", "DRIVER", "SCOPE"],
      all.map((n) => [id(n.id), n.name, n.driver, "local"]),
    ));
    return 0;
  },
};

/** Runs `op` on each reference; failures are printed and make the exit code 1. */
function eachRef(refs: readonly string[], op: (ref: string) => void): number {
  let failed = false;
  for (const ref of refs) {
    try {
      op(ref);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      console.error(err.message);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Networks that always exist for Docker: never removed. */
const PREDEFINED = [DEFAULT_NETWORK, "host", "none"];

/** `network rm NETWORK...`: refused for `bridge` and while containers are attached. */
const rm: Command = {
  name: "rm",
  usage: "network rm NETWORK [NETWORK...]",
  summary: "Remove one or more networks",
  flags: [],
  minArgs: 1,
  run(ctx, flags) {
    const store = new NetworkStore(ctx.root);
    return Promise.resolve(eachRef(flags.positionals, (ref) => {
      const name = PREDEFINED.includes(ref) ? ref : store.resolve(ref).name;
      if (PREDEFINED.includes(name)) {
        throw new UserError(
          `dockergsh: Error response from daemon: ${name} is a pre-defined network and cannot be removed`,
        );
      }
      removeNetwork(ctx.root, name);
      console.log(ref);
    }));
  },
};

/** Docker's `network inspect` object for `net`. */
export function inspectNetwork(root: StateRoot, net: NetworkRecord): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const c of new ContainerStore(root).list()) {
    const ep = c.endpoint;
    if (c.state.status !== "running" || ep?.network !== net.name) continue;
    containers[c.id] = {
      Name: c.name,
      MacAddress: ep.macAddress,
      IPv4Address: `${ep.ipAddress}/${ep.prefixLen}`,
      IPv6Address: "",
    };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: "local",
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: "default",
      Options: {},
      Config: [{ Subnet: net.subnet, Gateway: net.gateway }],
    },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: { "com.docker.network.bridge.name": net.bridge },
    Labels: {},
  };
}

/** `network inspect [-f FORMAT] NETWORK...`. */
const inspect: Command = {
  name: "inspect",
  usage: "network inspect [OPTIONS] NETWORK [NETWORK...]",
  summary: "Display detailed information on one or more networks",
  flags: [
    {
      long: "format",
      short: "f",
      kind: "string",
      help: "Format the output using the given Go template",
    },
  ],
  minArgs: 1,
  async run(ctx, flags) {
    const format = flags.strings.get("format");
    const render = format === undefined ? undefined : compileTemplate(format);
    const found: Record<string, unknown>[] = [];
    let code = 0;
    for (const ref of flags.positionals) {
      try {
        found.push(inspectListedNetwork(ctx.root, await resolveNetwork(ctx.root, ref)));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        console.error(`Error: No such network: ${ref}`);
        code = 1;
      }
    }
    if (render) { for (const obj of found) console.log(render(obj)); }
    else console.log(JSON.stringify(found, null, 4));
    return code;
  },
};

const SUBCOMMANDS: Record<string, Command> = { create, ls, rm, inspect };
const ALIASES: Record<string, string> = { list: "ls", remove: "rm" };

function help(): string {
  return [
    "Usage:  dockergsh network COMMAND",
    "",
    "Manage networks",
    "",
    "Commands:",
    ...Object.values(SUBCOMMANDS).map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  ].join("\n");
}

/** `network SUB --help`, as Docker's: under the subcommand's first name, with its aliases. */
function subcommandHelp(cmd: Command): string {
  const aliases = Object.keys(ALIASES).filter((a) => ALIASES[a] === cmd.name);
  // Its usage starts with "network": the name the first word is replaced by.
  return commandHelp(cmd, {
    name: "network",
    aliases: aliases.length ? [cmd.name, ...aliases] : [],
  });
}

/** Checks the positional count like the top-level commands do. */
function checkArgs(cmd: Command, flags: ParsedFlags): void {
  const n = flags.positionals.length;
  const name = `"dockergsh ${cmd.usage.split(" ").slice(0, 2).join(" ")}"`;
  const usage = `\nUsage:  dockergsh ${cmd.usage}`;
  if (cmd.minArgs !== undefined && n < cmd.minArgs) {
    throw new UserError(
      `${name} requires at least ${cmd.minArgs} argument${cmd.minArgs === 1 ? "" : "s"}.${usage}`,
    );
  }
  if (cmd.maxArgs !== undefined && n > cmd.maxArgs) {
    throw new UserError(
      cmd.maxArgs === 0
        ? `${name} accepts no arguments.${usage}`
        : `${name} requires at most ${cmd.maxArgs} argument${
          cmd.maxArgs === 1 ? "" : "s"
        }.${usage}`,
    );
  }
}

/** The `network` command. */
export const command: Command = {
  name: "network",
  usage: "network COMMAND",
  summary: "Manage networks",
  flags: [],
  stopAtPositional: true,
  run(ctx, flags) {
    const [name, ...rest] = flags.positionals;
    if (name === undefined || name === "--help") {
      console.log(help());
      return Promise.resolve(0);
    }
    const sub = SUBCOMMANDS[ALIASES[name] ?? name];
    if (!sub) {
      // Docker: the group's usage on stderr after an empty line, exit 1.
      throw new UserError(`\n${help()}`, 1);
    }
    if (rest.includes("--help")) {
      console.log(subcommandHelp(sub));
      return Promise.resolve(0);
    }
    const subFlags = parseFlags(rest, sub.flags);
    checkArgs(sub, subFlags);
    return sub.run(ctx, subFlags);
  },
};
