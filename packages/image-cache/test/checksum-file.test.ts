import { describe, expect, it } from "vitest";
import { findChecksum, parseChecksumFile } from "../src/index.js";

const A = "a".repeat(64);
const B = "b".repeat(128);
const C = "C".repeat(64);

describe("checksum files", () => {
  it("reads GNU lines in text and binary mode", () => {
    const text = `${A}  debian.qcow2\n${C} *ubuntu-24.04-server-cloudimg-amd64.img\n`;
    expect(parseChecksumFile(text)).toEqual([
      { algorithm: "sha256", hex: A, fileName: "debian.qcow2" },
      { algorithm: "sha256", hex: C.toLowerCase(), fileName: "ubuntu-24.04-server-cloudimg-amd64.img" },
    ]);
  });

  it("tells SHA-512 from SHA-256 by length (Debian's SHA512SUMS)", () => {
    expect(findChecksum(`${B}  debian-12-genericcloud-amd64.qcow2\n${B.replace(/b/g, "c")}  debian-12-genericcloud-amd64.raw\n`, "debian-12-genericcloud-amd64.qcow2")).toEqual({ algorithm: "sha512", hex: B });
  });

  it("reads Fedora's PGP-signed BSD-style CHECKSUM, skipping the armour and comments", () => {
    const text = [
      "-----BEGIN PGP SIGNED MESSAGE-----",
      "Hash: SHA256",
      "",
      "# Fedora-Cloud-Base-Generic-42-1.1.x86_64.qcow2: 536870912 bytes",
      `SHA256 (Fedora-Cloud-Base-Generic-42-1.1.x86_64.qcow2) = ${A}`,
      `SHA256 (Fedora-Cloud-Base-Generic-42-1.1.x86_64.raw.xz) = ${C}`,
      "-----BEGIN PGP SIGNATURE-----",
      "iQIzBAEBCAAdFiEE",
      "-----END PGP SIGNATURE-----",
    ].join("\r\n");
    expect(findChecksum(text, "Fedora-Cloud-Base-Generic-42-1.1.x86_64.qcow2")).toEqual({ algorithm: "sha256", hex: A });
    expect(parseChecksumFile(text)).toHaveLength(2);
  });

  it("reads `sha512sum --tag` lines and a listed path by its last segment", () => {
    expect(findChecksum(`SHA512 (images/disk.qcow2) = ${B}\n`, "disk.qcow2")).toEqual({ algorithm: "sha512", hex: B });
    expect(findChecksum(`${A}  ./disk.qcow2\n`, "disk.qcow2")).toEqual({ algorithm: "sha256", hex: A });
  });

  it("prefers SHA-512 when a file lists both", () => {
    expect(findChecksum(`${A}  disk.img\n${B}  disk.img\n`, "disk.img")?.algorithm).toBe("sha512");
  });

  it("finds nothing for another name, a wrong-length hex, an MD5 sum or garbage", () => {
    expect(findChecksum(`${A}  other.qcow2\n`, "disk.qcow2")).toBeUndefined();
    expect(parseChecksumFile(`SHA256 (disk) = ${"a".repeat(63)}\n${"d".repeat(32)}  disk\nrandom words\n`)).toEqual([]);
    expect(findChecksum(`${A}  disk.qcow2.old\n`, "disk.qcow2")).toBeUndefined();
  });
});
