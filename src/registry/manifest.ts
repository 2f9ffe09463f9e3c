/**
 * Image manifests: Docker schema2 and OCI image manifests, Docker manifest
 * lists and OCI indexes, and the choice of one platform from a list.
 *
 * @module
 */

/** Media types a pull accepts, in the `Accept` header. */
export const MEDIA = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

/** The `Accept` header of a manifest request. */
export const MANIFEST_ACCEPT = Object.values(MEDIA).join(", ");

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

/** An OS and CPU, as in an index entry or `--platform`. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An image manifest (either format). */
export interface ImageManifest {
  kind: "image";
  config: Descriptor;
  layers: Descriptor[];
}

/** A manifest list or index. */
export interface ManifestIndex {
  kind: "index";
  manifests: Descriptor[];
}

/** Parses a manifest body of `mediaType` (the Content-Type, or the body's own mediaType). */
export function parseManifest(
  body: Uint8Array,
  contentType: string,
): ImageManifest | ManifestIndex {
  const json = JSON.parse(new TextDecoder().decode(body));
  const type = json.mediaType ?? contentType.split(";")[0].trim();
  if (type === MEDIA.dockerList || type === MEDIA.ociIndex || Array.isArray(json.manifests)) {
    return { kind: "index", manifests: json.manifests ?? [] };
  }
  if (type === MEDIA.dockerManifest || type === MEDIA.ociManifest || json.config) {
    if (!json.config?.digest || !Array.isArray(json.layers)) {
      throw new Error("manifest without a config or layers");
    }
    return { kind: "image", config: json.config, layers: json.layers };
  }
  throw new Error(`unsupported manifest media type "${type}" (schema1 is not supported)`);
}

/** This host's platform in OCI terms. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };
  return { os: "linux", architecture: arch[Deno.build.arch] ?? Deno.build.arch };
}

/** Parses `--platform os/arch[/variant]`. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.toLowerCase().split("/");
  if (!os || !architecture || extra !== undefined) {
    throw new Error(`invalid platform "${text}": expected os/arch[/variant]`);
  }
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `linux/arm64/v8`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The entry of `index` for `want` (a variant only narrows when asked for), or undefined. */
export function selectPlatform(index: ManifestIndex, want: Platform): Descriptor | undefined {
  return index.manifests.find((m) =>
    m.platform?.os === want.os && m.platform?.architecture === want.architecture &&
    (want.variant === undefined || m.platform?.variant === want.variant)
  );
}
