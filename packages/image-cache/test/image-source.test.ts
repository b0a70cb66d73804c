import { describe, expect, it } from "vitest";
import { IMAGE_CATALOGUE, ImageCache, imageCacheKey, resolveImageSpec, type ImageSource } from "../src/index.js";

const HEX = "0123456789abcdef".repeat(4);

function source(spec: Parameters<typeof resolveImageSpec>[0]): ImageSource {
  const resolved = resolveImageSpec(spec);
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
  return resolved.source;
}

function problems(spec: Parameters<typeof resolveImageSpec>[0]) {
  const resolved = resolveImageSpec(spec);
  if (resolved.ok) throw new Error("resolved");
  return resolved.problems;
}

describe("the catalogue", () => {
  it("has Debian 12 and 13, Ubuntu 24.04 and a Fedora, x86_64 qcow2 over https with a checksum file beside the image", () => {
    expect(IMAGE_CATALOGUE.map((image) => image.name)).toEqual(expect.arrayContaining(["debian-12", "debian-13", "ubuntu-24.04"]));
    expect(IMAGE_CATALOGUE.some((image) => image.name.startsWith("fedora-"))).toBe(true);
    for (const image of IMAGE_CATALOGUE) {
      expect(image.url).toMatch(/^https:\/\//);
      expect(new URL(image.checksumsUrl).pathname.split("/").slice(0, -1)).toEqual(new URL(image.url).pathname.split("/").slice(0, -1));
      expect(image).toMatchObject({ format: "qcow2", arch: "x86_64" });
    }
    expect(source({ image: "debian-12" })).toMatchObject({
      name: "debian-12",
      fileName: "debian-12-genericcloud-amd64.qcow2",
      checksumsUrl: "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS",
    });
  });
});

describe("an image value", () => {
  it("takes an https URL with sha256, sha512 or a checksum file", () => {
    expect(source({ image: "https://example.org/img/disk.qcow2", sha256: HEX.toUpperCase() })).toEqual({ url: "https://example.org/img/disk.qcow2", fileName: "disk.qcow2", checksum: { algorithm: "sha256", hex: HEX } });
    expect(source({ image: "http://127.0.0.1:8080/guest.qcow2", checksums: "http://127.0.0.1:8080/SHA256SUMS" })).toMatchObject({ checksumsUrl: "http://127.0.0.1:8080/SHA256SUMS" });
    expect(source({ image: "https://example.org/d.img", sha512: HEX + HEX }).checksum?.algorithm).toBe("sha512");
  });

  it("refuses a URL without a checksum, with two, or with a malformed one, each at its key", () => {
    expect(problems({ image: "https://example.org/disk.qcow2" })).toMatchObject([{ key: "image", message: expect.stringContaining("checksum") }]);
    expect(problems({ image: "https://example.org/disk.qcow2", sha256: HEX, checksums: "https://example.org/SUMS" })).toMatchObject([{ key: "checksums" }]);
    expect(problems({ image: "https://example.org/disk.qcow2", sha256: "abc" })).toMatchObject([{ key: "sha256", message: expect.stringContaining("64 hex") }]);
    expect(problems({ image: "https://example.org/disk.qcow2", sha512: HEX })).toMatchObject([{ key: "sha512" }]);
  });

  it("refuses file:// and other schemes, and URLs with credentials", () => {
    expect(problems({ image: "file:///etc/passwd", sha256: HEX })).toMatchObject([{ key: "image", fix: expect.stringContaining("backing") }]);
    expect(problems({ image: "ftp://example.org/disk.qcow2", sha256: HEX })).toMatchObject([{ key: "image" }]);
    expect(problems({ image: "https://user:secret@example.org/disk.qcow2", sha256: HEX })[0]!.received).not.toContain("secret");
    expect(problems({ image: "https://example.org/disk.qcow2", checksums: "file:///tmp/SUMS" })).toMatchObject([{ key: "checksums" }]);
  });

  it("suggests a near catalogue name, and refuses checksums beside a catalogue name", () => {
    expect(problems({ image: "debian12" })).toMatchObject([{ key: "image", fix: 'Did you mean image = "debian-12"?' }]);
    expect(problems({ image: "ubuntu-24.4" })[0]!.fix).toContain("ubuntu-24.04");
    expect(problems({ image: "plan9" })[0]!.expected).toContain("debian-12");
    expect(problems({ image: "debian-12", sha256: HEX })).toMatchObject([{ key: "sha256" }]);
  });

  it("makes a file name that is one safe path segment", () => {
    expect(source({ image: "https://example.org/a/..%2F..%2Fetc%2Fpasswd", sha256: HEX }).fileName).toBe("_.._etc_passwd");
    expect(source({ image: "https://example.org/", sha256: HEX }).fileName).toBe("image");
    expect(source({ image: "https://example.org/.hidden", sha256: HEX }).fileName).toBe("hidden");
  });

  it("keys the cache by URL and checksum: the same pair finds the same entry, another checksum another", () => {
    const a = source({ image: "https://example.org/disk.qcow2", sha256: HEX });
    const b = source({ image: "https://example.org/disk.qcow2", sha256: HEX.toUpperCase() });
    const c = source({ image: "https://example.org/disk.qcow2", sha256: HEX.replace("0", "1") });
    expect(imageCacheKey(a)).toBe(imageCacheKey(b));
    expect(imageCacheKey(a)).not.toBe(imageCacheKey(c));
    const cache = new ImageCache("/var/cache/vmforge/images");
    expect(cache.entryPath(a)).toBe(`/var/cache/vmforge/images/${imageCacheKey(a)}/disk.qcow2`);
    expect(cache.partialPath(a)).toBe(`/var/cache/vmforge/images/partial/${imageCacheKey(a)}.part`);
  });
});
