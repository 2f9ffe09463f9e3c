/**
 * A client of the OCI distribution API over Deno's `fetch`.
 *
 * Transport: HTTPS, verified with the system CAs plus, for a registry with
 * one, `<certs.d>/HOST[:PORT]/ca.crt` (Docker's `certs.d`; the directory is
 * `/etc/dockergsh/certs.d`, or `$DOCKERGSH_CERTS_D`). Plain HTTP only for a
 * registry on `localhost` or 127.0.0.0/8, or listed with
 * `--insecure-registry`, and then, as Docker does, only when HTTPS does not
 * answer there.
 *
 * Auth: a request answered 401 is retried once with what its
 * `WWW-Authenticate` challenge asks: Basic with the stored credentials, or
 * a Bearer token from the challenge's realm (GET with the credentials as
 * Basic when there are some, anonymous otherwise; POST with the refresh
 * token when the credentials hold one, the OAuth2 form). Tokens are kept
 * per scope for the client's life.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { DOCKER_HUB } from "../image/reference.ts";
import { type Challenge, parseChallenge } from "./_challenge.ts";
import type { Credentials } from "./credentials.ts";

/** The registry refused or failed a request; `status` is the HTTP status (0: no answer). */
export class RegistryError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
    this.name = "RegistryError";
  }
}

/** Where a registry's API answers. */
function apiHost(domain: string): string {
  return domain === DOCKER_HUB ? "registry-1.docker.io" : domain;
}

/** Whether plain HTTP may be used for `domain`. */
export function mayUseHttp(domain: string, insecure: readonly string[]): boolean {
  const host = domain.replace(/:[0-9]+$/, "");
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || insecure.includes(domain) ||
    insecure.includes(host);
}

function certsDir(): string {
  return Deno.env.get("DOCKERGSH_CERTS_D") ?? "/etc/dockergsh/certs.d";
}

/** An HTTP client trusting `<certs.d>/<domain>/ca.crt` besides the system CAs, if that file exists. */
function httpClientFor(domain: string): Deno.HttpClient | undefined {
  const path = `${certsDir()}/${domain}/ca.crt`;
  let ca: string;
  try {
    ca = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  debug("registry", `trusting ${path} for ${domain}`);
  return Deno.createHttpClient({ caCerts: [ca] });
}

/** The body of an error response, as the registry's `errors[0]` or the token server's `details`. */
async function errorOf(res: Response): Promise<{ code?: string; message: string }> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    const first = body?.errors?.[0];
    if (first) return { code: first.code, message: String(first.message ?? first.code) };
    if (body?.details) return { message: String(body.details) };
  } catch {
    // not JSON: the status line says it
  }
  return { message: text.trim().split("\n")[0] || res.statusText };
}

/** `PUT` as Go's HTTP client names it in an error: `Put`. */
function goMethod(method = "GET"): string {
  return method[0] + method.slice(1).toLowerCase();
}

/** One registry, with one repository's credentials and tokens. */
export class RegistryClient {
  private base?: string;
  private readonly http: Deno.HttpClient | undefined;
  private readonly authorizations = new Map<string, string>();

  constructor(
    readonly domain: string,
    private readonly opts: { insecure: readonly string[]; credentials?: Credentials },
  ) {
    this.http = httpClientFor(domain);
  }

  /** Releases the HTTP client's connections. */
  close(): void {
    this.http?.close();
  }

  private async fetchRaw(url: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(url, { ...init, ...(this.http ? { client: this.http } : {}) });
    } catch (err) {
      throw new RegistryError(
        // Go's words, as Docker prints them: `Get "URL": …`, `Put "URL": …`.
        `${goMethod(init.method)} "${url}": ${err instanceof Error ? err.message : String(err)}`,
        0,
      );
    }
  }

  /** https://HOST, or http://HOST where allowed and HTTPS does not answer. */
  private async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    const host = apiHost(this.domain);
    const https = `https://${host}`;
    if (!mayUseHttp(this.domain, this.opts.insecure)) return this.base = https;
    try {
      const res = await fetch(`${https}/v2/`, this.http ? { client: this.http } : {});
      await res.body?.cancel();
      return this.base = https;
    } catch (err) {
      // A TLS server that fails verification is an error, never a reason to drop TLS.
      const why = err instanceof Error ? `${err.message} ${err.cause ?? ""}` : String(err);
      if (/certificate|UnknownIssuer|x509/i.test(why)) {
        throw new RegistryError(`Get "${https}/v2/": tls: ${why.trim()}`, 0);
      }
      debug("registry", `no HTTPS at ${host}: plain HTTP (insecure registry)`);
      return this.base = `http://${host}`;
    }
  }

  /**
   * A token (or Basic header) for `challenge`, with `extraScopes` besides
   * its own, or undefined when none can be had.
   */
  private async authorize(
    challenge: Challenge,
    extraScopes: readonly string[],
  ): Promise<string | undefined> {
    const creds = this.opts.credentials;
    const basic = creds && `Basic ${btoa(`${creds.username}:${creds.password}`)}`;
    if (challenge.scheme === "basic") return basic;
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError("Bearer challenge without a realm", 401);
    const scopes = [...(challenge.params.scope?.split(" ").filter(Boolean) ?? []), ...extraScopes];
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: creds.identityToken,
        service: challenge.params.service ?? "",
        scope: scopes.join(" "),
        client_id: "dockergsh",
      });
      debug("registry", `POST ${realm} (refresh token) scope=${scopes.join(" ")}`);
      res = await this.fetchRaw(realm, { method: "POST", body: form });
    } else {
      const url = new URL(realm);
      if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      debug("registry", `GET ${url} (${creds ? `as ${creds.username}` : "anonymous"})`);
      res = await this.fetchRaw(url.href, basic ? { headers: { Authorization: basic } } : {});
    }
    if (!res.ok) {
      const { message } = await errorOf(res);
      throw new RegistryError(`Get "${realm}": unauthorized: ${message}`, res.status);
    }
    const body = await res.json();
    const token = body.token ?? body.access_token;
    if (typeof token !== "string") throw new RegistryError(`${realm}: no token in the reply`, 401);
    return `Bearer ${token}`;
  }

  /**
   * `method path` against the registry, answering one 401 challenge.
   * `path` is `/v2/…`, or a URL the registry gave (an upload's Location),
   * which must be on the registry's own origin: credentials go nowhere
   * else. `scope` names what the token is kept under (the repository, and
   * whether it is for a push); `extraScopes` are asked for besides the
   * challenge's (`repository:OTHER:pull` to mount a blob from OTHER).
   * `body` makes the request body (again, if the request is retried).
   */
  async request(
    path: string,
    scope: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      body?: () => BodyInit;
      extraScopes?: readonly string[];
    } = {},
  ): Promise<Response> {
    const base = await this.baseUrl();
    const url = /^https?:/.test(path) ? path : `${base}${path}`;
    if (new URL(url).origin !== new URL(base).origin) {
      throw new RegistryError(`the registry sent us to another host: ${url}`, 0);
    }
    const send = (authorization?: string) =>
      this.fetchRaw(url, {
        method: init.method ?? "GET",
        headers: { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) },
        ...(init.body ? { body: init.body() } : {}),
      });
    const key = [scope, ...(init.extraScopes ?? [])].join(" ");
    debug("registry", `${init.method ?? "GET"} ${url}`);
    let res = await send(this.authorizations.get(key));
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    await res.body?.cancel();
    const authorization = challenge && await this.authorize(challenge, init.extraScopes ?? []);
    if (!authorization) return res;
    this.authorizations.set(key, authorization);
    res = await send(authorization);
    return res;
  }

  /** The absolute URL of `location` (a Location header) on this registry. */
  async resolve(location: string): Promise<string> {
    return new URL(location, await this.baseUrl()).href;
  }

  /** Throws the registry's error for a response that is not 2xx. */
  static async check(res: Response, what: string): Promise<Response> {
    if (res.ok) return res;
    const { code, message } = await errorOf(res);
    throw new RegistryError(`${what}: ${message}`, res.status, code);
  }
}
