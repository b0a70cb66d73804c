import { createHash } from "node:crypto";
import { didYouMean } from "@vmforge/kernel";
import { catalogueImage, catalogueNames } from "./catalogue.js";
import { HEX_LENGTH, type Checksum, type ChecksumAlgorithm } from "./checksum-file.js";

/** What a `[[disk]]` table says about its image. */
export interface ImageSpec {
  image: string;
  sha256?: string;
  sha512?: string;
  /** URL of a checksum file that lists the image's file name. */
  checksums?: string;
}

/** Where an image comes from and how it is checked; the same source always finds the same cache entry. */
export interface ImageSource {
  /** The catalogue name; absent for a URL. */
  name?: string;
  url: string;
  /** The image's file name (from the URL), as looked up in a checksum file. */
  fileName: string;
  /** Known for catalogue images. */
  format?: "qcow2";
  /** Given in the request (sha256 / sha512). */
  checksum?: Checksum;
  /** Otherwise: the checksum file that lists `fileName`. */
  checksumsUrl?: string;
}

export type ImageSpecKey = keyof ImageSpec;

export interface ImageSpecProblem {
  key: ImageSpecKey;
  message: string;
  received?: string;
  expected?: string;
  fix?: string;
}

export type ResolvedImage = { ok: true; source: ImageSource } | { ok: false; problems: ImageSpecProblem[] };

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const MAX_URL = 4096;

/** A catalogue name, or an http(s) URL with sha256, sha512 or checksums; every problem at once, keyed. */
export function resolveImageSpec(spec: ImageSpec): ResolvedImage {
  const problems: ImageSpecProblem[] = [];
  const checks = (["sha256", "sha512", "checksums"] as const).filter((key) => spec[key] !== undefined);
  const entry = catalogueImage(spec.image);
  if (entry) {
    for (const key of checks) {
      problems.push({
        key,
        message: `${key} applies to an image URL; "${entry.name}" is checked against its publisher's checksum file`,
        received: JSON.stringify(spec[key]),
        fix: `Remove ${key}, or give image = "https://..." to use another image.`,
      });
    }
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, source: { name: entry.name, url: entry.url, fileName: fileNameOf(new URL(entry.url)), format: entry.format, checksumsUrl: entry.checksumsUrl } };
  }
  if (!URL_LIKE.test(spec.image)) {
    const meant = didYouMean(spec.image, catalogueNames());
    problems.push({
      key: "image",
      message: `"${spec.image}" is not a known image`,
      received: JSON.stringify(spec.image),
      expected: `one of ${catalogueNames().map((name) => `"${name}"`).join(", ")}, or an https:// URL with sha256, sha512 or checksums`,
      fix: meant ? `Did you mean image = "${meant}"?` : 'Name a catalogue image, or give image = "https://.../image.qcow2" with sha256 = "<hex>".',
    });
    return { ok: false, problems };
  }
  const url = webUrl(spec.image, "image", problems);
  if (checks.length === 0) {
    problems.push({
      key: "image",
      message: "an image URL needs a checksum to be verified against",
      received: JSON.stringify(spec.image),
      expected: "sha256, sha512 or checksums beside it",
      fix: 'Add sha256 = "<64 hex digits>" (from the publisher), or checksums = "https://.../SHA256SUMS".',
    });
  } else if (checks.length > 1) {
    for (const key of checks.slice(1)) {
      problems.push({ key, message: `give one of sha256, sha512 and checksums; ${checks[0]} is already given`, received: JSON.stringify(spec[key]), fix: `Remove ${key}.` });
    }
  }
  let checksum: Checksum | undefined;
  for (const algorithm of ["sha256", "sha512"] as const) {
    const value = spec[algorithm];
    if (value === undefined) continue;
    const hex = hexOf(value, algorithm);
    if (hex) checksum ??= { algorithm, hex };
    else problems.push({ key: algorithm, message: `${algorithm} must be ${HEX_LENGTH[algorithm]} hex digits`, received: shortJson(value), expected: `${HEX_LENGTH[algorithm]} of 0-9 a-f`, fix: `Copy the ${algorithm} from the publisher's checksum file (\`${algorithm}sum FILE\` prints it).` });
  }
  const checksumsUrl = spec.checksums === undefined ? undefined : webUrl(spec.checksums, "checksums", problems);
  if (problems.length > 0 || !url) return { ok: false, problems };
  const fileName = fileNameOf(url);
  return { ok: true, source: { url: url.href, fileName, ...(checksum ? { checksum } : checksumsUrl ? { checksumsUrl: checksumsUrl.href } : {}) } };
}

/** The cache entry's folder name: the same URL and checksum (or checksum file) give the same key. */
export function imageCacheKey(source: ImageSource): string {
  const check = source.checksum ? `${source.checksum.algorithm}:${source.checksum.hex}` : `checksums:${source.checksumsUrl ?? ""}`;
  return createHash("sha256").update(`vmforge-image-v1\n${source.url}\n${check}\n`).digest("hex");
}

/** The image's file name from its URL, made safe as one path segment. */
export function fileNameOf(url: URL): string {
  const last = url.pathname.split("/").filter(Boolean).at(-1) ?? "";
  let decoded: string;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    decoded = last;
  }
  const safe = decoded.replace(/[^A-Za-z0-9._+-]/g, "_").replace(/^\.+/, "").slice(0, 200);
  return safe === "" ? "image" : safe;
}

function webUrl(value: string, key: "image" | "checksums", problems: ImageSpecProblem[]): URL | undefined {
  let url: URL;
  try {
    if (value.length > MAX_URL) throw new Error("too long");
    url = new URL(value);
  } catch {
    problems.push({ key, message: `${key} is not a valid URL`, received: shortJson(value), expected: `an https:// or http:// URL of at most ${MAX_URL} characters` });
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    problems.push({
      key,
      message: `${url.protocol.slice(0, -1)} URLs are not downloaded; vmforge fetches images over https or http only`,
      received: shortJson(value),
      expected: "an https:// or http:// URL",
      fix: url.protocol === "file:" ? "For an image already on this machine, use backing = \"/path/to/base.qcow2\" instead of image." : "Give the image's https:// URL.",
    });
    return undefined;
  }
  if (url.username || url.password) {
    problems.push({ key, message: `${key} must not carry a user name or password (it is recorded in the VM definition)`, received: "a URL with credentials", fix: "Serve the image without credentials, or download it yourself and use backing = \"...\"." });
    return undefined;
  }
  url.hash = "";
  return url;
}

function hexOf(value: string, algorithm: ChecksumAlgorithm): string | undefined {
  const hex = value.trim().toLowerCase();
  return hex.length === HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(hex) ? hex : undefined;
}

function shortJson(value: string): string {
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 100)}…" (${value.length} characters)` : json;
}
