/**
 * Registry credentials in Docker's client config, so a user's existing file
 * works and `docker login` and `dockergsh login` share it:
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, holding
 * `{"auths": {"<server>": {"auth": base64("user:password")}}}` (Docker Hub's
 * key is `https://index.docker.io/v1/`). Written atomically, 0600; every
 * other key of the file is kept.
 *
 * @module
 */

import { writeFileAtomic } from "../store/atomic.ts";
import { DOCKER_HUB } from "../image/reference.ts";

/** A user name and password (or an identity token, Docker's refresh token). */
export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token, used instead of the password where the token server offers POST. */
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  [key: string]: unknown;
}

/** The path of the client config file. */
export function configPath(): string {
  const dir = Deno.env.get("DOCKER_CONFIG") ?? `${Deno.env.get("HOME") ?? "/root"}/.docker`;
  return `${dir}/config.json`;
}

/** The key of `domain` in `auths`. */
export function serverKey(domain: string): string {
  return domain === DOCKER_HUB ? "https://index.docker.io/v1/" : domain;
}

function readConfig(): ConfigFile {
  try {
    return JSON.parse(Deno.readTextFileSync(configPath())) as ConfigFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    if (err instanceof SyntaxError) throw new Error(`${configPath()}: not valid JSON`);
    throw err;
  }
}

function writeConfig(config: ConfigFile): void {
  const path = configPath();
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, JSON.stringify(config, null, "\t") + "\n");
}

/** The stored credentials for `domain`, if any (also found under `https://domain` keys). */
export function credentialsFor(domain: string): Credentials | undefined {
  const auths = readConfig().auths ?? {};
  const key = serverKey(domain);
  const entry = auths[key] ?? auths[`https://${key}`] ?? auths[`http://${key}`];
  if (!entry?.auth) return undefined;
  const plain = new TextDecoder().decode(
    Uint8Array.from(atob(entry.auth), (c) => c.charCodeAt(0)),
  );
  const colon = plain.indexOf(":");
  if (colon === -1) return undefined;
  return {
    username: plain.slice(0, colon),
    password: plain.slice(colon + 1),
    ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
  };
}

/** Stores `creds` for `domain`. */
export function storeCredentials(domain: string, creds: Credentials): void {
  const config = readConfig();
  const bytes = new TextEncoder().encode(`${creds.username}:${creds.password}`);
  config.auths = {
    ...(config.auths ?? {}),
    [serverKey(domain)]: { auth: btoa(String.fromCharCode(...bytes)) },
  };
  writeConfig(config);
}

/** Removes the credentials of `domain`; returns whether there were any. */
export function removeCredentials(domain: string): boolean {
  const config = readConfig();
  const key = serverKey(domain);
  if (!config.auths || !(key in config.auths)) return false;
  delete config.auths[key];
  writeConfig(config);
  return true;
}
