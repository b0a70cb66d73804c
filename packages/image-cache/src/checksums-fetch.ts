import { findChecksum, type Checksum } from "./checksum-file.js";
import { imageError, shownUrl } from "./errors.js";
import { ConnectionLost, get } from "./http-get.js";

export const MAX_CHECKSUM_FILE = 1024 * 1024;

/** Fetches a checksum file (at most 1 MiB) and finds the image's entry in it. */
export async function fetchChecksum(checksumsUrl: string, fileName: string, options: { signal?: AbortSignal; idleTimeoutMs: number }): Promise<Checksum> {
  const url = new URL(checksumsUrl);
  let text: string;
  try {
    const response = await get(url, { signal: options.signal, idleTimeoutMs: options.idleTimeoutMs });
    if (response.status !== 200) {
      response.message.resume();
      throw imageError("E_IMAGE_HTTP", `The checksum file ${shownUrl(response.url)} answered HTTP ${response.status}.`, "Without its checksum the image cannot be verified, so it is not downloaded.", "Check the checksums URL; for a catalogue image, the publisher may have moved it (give image = \"https://...\" with sha256 instead).");
    }
    const declared = Number(response.message.headers["content-length"]);
    if (Number.isFinite(declared) && declared > MAX_CHECKSUM_FILE) {
      response.message.destroy();
      throw tooBig(url);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.message as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CHECKSUM_FILE) {
        response.message.destroy();
        throw tooBig(url);
      }
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString("utf8");
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (error instanceof ConnectionLost || !(error as { code?: string }).code?.startsWith?.("E_")) {
      throw imageError("E_IMAGE_NETWORK", `Could not fetch the checksum file ${shownUrl(url)}: ${(error as Error).message}`, "The checksum file is read before the image, to verify it.", "Check the network connection (and a proxy), then run the command again.", error);
    }
    throw error;
  }
  const checksum = findChecksum(text, fileName);
  if (!checksum) {
    throw imageError(
      "E_IMAGE_CHECKSUM_MISSING",
      `The checksum file ${shownUrl(url)} lists no SHA-256 or SHA-512 for ${fileName}.`,
      "The image is verified against the entry for its file name, as `sha256sum -c` would.",
      "Check that the checksums URL belongs to the image (same folder, same release), or give sha256 = \"<hex>\" instead.",
    );
  }
  return checksum;
}

function tooBig(url: URL) {
  return imageError("E_IMAGE_HTTP", `The checksum file ${shownUrl(url)} is larger than ${MAX_CHECKSUM_FILE / 1024 / 1024} MiB.`, "A checksum file lists a few lines; vmforge reads at most 1 MiB of one.", "Check that the checksums URL names the checksum file, not the image.");
}
