/**
 * `dockergsh login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checks
 * the credentials against the registry (Docker Hub when no SERVER), then
 * stores them in Docker's client config (src/registry/credentials.ts).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { DOCKER_HUB } from "../../image/reference.ts";
import { RegistryClient, RegistryError } from "../../registry/client.ts";
import { configPath, storeCredentials } from "../../registry/credentials.ts";
import type { Command } from "../command.ts";

/** `SERVER` as a registry domain: a URL's scheme and path are dropped, as Docker does. */
export function serverDomain(server: string | undefined): string {
  if (server === undefined) return DOCKER_HUB;
  const domain = server.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  if (domain === "index.docker.io" || domain === "registry-1.docker.io") return DOCKER_HUB;
  if (!/^[a-zA-Z0-9.-]+(?::[0-9]+)?$/.test(domain)) {
    throw new UserError(`dockergsh: invalid registry "${server}"`);
  }
  return domain;
}

async function readStdin(): Promise<string> {
  const text = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
  return text.replace(/\r?\n$/, "");
}

/** The `login` command. */
export const command: Command = {
  name: "login",
  usage: "login [OPTIONS] [SERVER]",
  summary:
    "Log in to a Docker registry.\nIf no server is specified, the default is defined by the daemon.",
  flags: [
    { long: "username", short: "u", kind: "string", help: "Username" },
    { long: "password", short: "p", kind: "string", help: "Password" },
    { long: "password-stdin", kind: "bool", help: "Take the password from stdin" },
  ],
  maxArgs: 1,
  async run(ctx, flags) {
    const domain = serverDomain(flags.positionals[0]);
    const username = flags.strings.get("username");
    let password = flags.strings.get("password");
    if (flags.bools.has("password-stdin")) {
      if (password !== undefined) {
        throw new UserError("dockergsh: --password and --password-stdin are mutually exclusive");
      }
      if (username === undefined) {
        throw new UserError("dockergsh: Must provide --username with --password-stdin");
      }
      password = await readStdin();
    } else if (password !== undefined) {
      console.error("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
    }
    if (username === undefined || password === undefined) {
      throw new UserError(
        "dockergsh: Cannot perform an interactive login: give -u and --password-stdin",
      );
    }
    const client = new RegistryClient(domain, {
      insecure: ctx.insecureRegistries,
      credentials: { username, password },
    });
    try {
      const res = await client.request("/v2/", "");
      await res.body?.cancel();
      if (res.status === 401) {
        throw new UserError(
          `dockergsh: Error response from daemon: login to ${domain}: unauthorized: incorrect username or password`,
        );
      }
      await RegistryClient.check(res, `login to ${domain}`);
    } catch (err) {
      if (err instanceof RegistryError) {
        throw new UserError(`dockergsh: Error response from daemon: ${err.message}`);
      }
      throw err;
    } finally {
      client.close();
    }
    storeCredentials(domain, { username, password });
    console.error(`WARNING! Your password will be stored unencrypted in ${configPath()}.`);
    console.log("Login Succeeded");
    return 0;
  },
};
