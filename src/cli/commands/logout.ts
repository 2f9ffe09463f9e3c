/**
 * `dockergsh logout [SERVER]`: removes the stored credentials of a registry
 * (Docker Hub when no SERVER).
 *
 * @module
 */

import { removeCredentials } from "../../registry/credentials.ts";
import type { Command } from "../command.ts";
import { serverDomain } from "./login.ts";

/** The `logout` command. */
export const command: Command = {
  name: "logout",
  usage: "logout [SERVER]",
  summary:
    "Log out from a Docker registry.\nIf no server is specified, the default is defined by the daemon.",
  flags: [],
  maxArgs: 1,
  run(_ctx, flags) {
    const domain = serverDomain(flags.positionals[0]);
    console.log(
      removeCredentials(domain)
        ? `Removing login credentials for ${domain}`
        : `Not logged in to ${domain}`,
    );
    return Promise.resolve(0);
  },
};
