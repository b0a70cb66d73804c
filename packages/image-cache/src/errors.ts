import { ExitCode, VmforgeError } from "@vmforge/kernel";

/** Codes of the faults a download can end in; each a fault the user can act on (exit code 2). */
export type ImageErrorCode =
  | "E_IMAGE_HTTP"
  | "E_IMAGE_NETWORK"
  | "E_IMAGE_TRUNCATED"
  | "E_IMAGE_CHECKSUM"
  | "E_IMAGE_CHECKSUM_MISSING"
  | "E_IMAGE_TOO_LARGE"
  | "E_IMAGE_CACHE_UNSAFE"
  | "E_IMAGE_SOURCE"
  | "E_IMAGE_BUSY";

export function imageError(code: ImageErrorCode, message: string, why: string, fix: string, cause?: unknown): VmforgeError {
  return new VmforgeError(code, message, { exitCode: code === "E_IMAGE_BUSY" ? ExitCode.busy : ExitCode.usage, why, fix, ...(cause === undefined ? {} : { cause }) });
}

/** A URL as shown in messages: no query string (it may hold a token), cut when long. */
export function shownUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    const text = `${parsed.origin}${parsed.pathname}${parsed.search ? "?…" : ""}`;
    return text.length > 200 ? `${text.slice(0, 180)}…` : text;
  } catch {
    return JSON.stringify(String(url).slice(0, 200));
  }
}
