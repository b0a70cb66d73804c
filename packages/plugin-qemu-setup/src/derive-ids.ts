import { createHash } from "node:crypto";

/** Fixed namespace for name-based UUIDs (RFC 4122 version 5). */
const VMFORGE_NAMESPACE = "5d1f9a47-3c2b-4e8a-9f61-0b7c2d4e8a13";

/** The same name always gives the same UUID: a rebuilt VM keeps its identity. */
export function uuidFromName(name: string): string {
  const namespace = Buffer.from(VMFORGE_NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(namespace).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** 52:54:00 (QEMU's locally administered prefix) + three bytes from the name and NIC index. */
export function macFromName(name: string, index: number): string {
  const hash = createHash("sha256").update(`${name}/net${index}`, "utf8").digest();
  return ["52", "54", "00", ...[...hash.subarray(0, 3)].map((byte) => byte.toString(16).padStart(2, "0"))].join(":");
}

/** `web-1-d0`: at most 20 characters (the NVMe and virtio-blk limit). */
export function diskSerial(name: string, index: number): string {
  const suffix = `-d${index}`;
  return `${name.slice(0, 20 - suffix.length)}${suffix}`;
}
