import { afterEach, describe, expect, it, vi } from "vitest";
import { buildIso, type BuildIsoOptions } from "../src/index.js";

const files = [
  { path: "meta-data", data: "instance-id: iid-local01\n" },
  { path: "user-data", data: "#cloud-config\n" },
  { path: "network-config", data: "version: 2\n" },
  { path: "deep/er/file", data: new Uint8Array(5000).fill(7) },
  { path: "empty", data: "" },
];
const options: BuildIsoOptions = { volumeId: "cidata", files, sourceDateEpoch: 1_700_000_000 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

afterEach(() => vi.unstubAllEnvs());

describe("determinism", () => {
  it("gives identical bytes for the same input twice", () => {
    expect(sameBytes(buildIso(options), buildIso({ ...options, files: files.map((file) => ({ ...file })) }))).toBe(true);
  });

  it("does not depend on the order files are given in", () => {
    expect(sameBytes(buildIso(options), buildIso({ ...options, files: [...files].reverse() }))).toBe(true);
  });

  it("gives different bytes for a different SOURCE_DATE_EPOCH", () => {
    expect(sameBytes(buildIso(options), buildIso({ ...options, sourceDateEpoch: 1_700_000_001 }))).toBe(false);
  });

  it("reads SOURCE_DATE_EPOCH from the environment when the option is absent", () => {
    vi.stubEnv("SOURCE_DATE_EPOCH", "1700000000");
    const fromEnvironment = buildIso({ volumeId: "cidata", files });
    expect(sameBytes(fromEnvironment, buildIso(options))).toBe(true);
    vi.stubEnv("SOURCE_DATE_EPOCH", "1600000000");
    expect(sameBytes(buildIso({ volumeId: "cidata", files }), fromEnvironment)).toBe(false);
  });

  it("uses 1970-01-01T00:00:00Z when neither the option nor the variable is set", () => {
    vi.stubEnv("SOURCE_DATE_EPOCH", "");
    const image = buildIso({ volumeId: "cidata", files });
    expect(sameBytes(image, buildIso({ ...options, sourceDateEpoch: 0 }))).toBe(true);
    // Primary volume descriptor, creation date (ECMA-119 8.4.26): "1970010100000000".
    expect(Buffer.from(image.subarray(16 * 2048 + 813, 16 * 2048 + 829)).toString("latin1")).toBe("1970010100000000");
  });

  it("writes the epoch into every date field", () => {
    const image = buildIso({ ...options, sourceDateEpoch: Date.UTC(2024, 1, 29, 13, 45, 30) / 1000 });
    const descriptor = Buffer.from(image.subarray(16 * 2048, 17 * 2048));
    expect(descriptor.subarray(813, 829).toString("latin1")).toBe("2024022913453000");
    expect(descriptor.subarray(830, 846).toString("latin1")).toBe("2024022913453000");
    // Root directory record date (ECMA-119 9.1.5): years since 1900, month, day, h, m, s, offset.
    expect([...descriptor.subarray(156 + 18, 156 + 25)]).toEqual([124, 2, 29, 13, 45, 30, 0]);
  });
});
