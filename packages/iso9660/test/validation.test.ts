import { constants as bufferConstants } from "node:buffer";
import { describe, expect, it, vi, afterEach } from "vitest";
import { buildIso, IsoError, type BuildIsoOptions, type IsoErrorCode } from "../src/index.js";

afterEach(() => vi.unstubAllEnvs());

function failure(options: BuildIsoOptions): IsoError {
  try {
    buildIso(options);
  } catch (error) {
    expect(error).toBeInstanceOf(IsoError);
    return error as IsoError;
  }
  throw new Error("buildIso did not throw");
}

const base = { volumeId: "cidata", sourceDateEpoch: 0 };
const file = (path: string, data: Uint8Array | string = "x") => ({ path, data });

const cases: [string, BuildIsoOptions, IsoErrorCode, RegExp][] = [
  ["an empty volume id", { ...base, volumeId: "", files: [] }, "ISO_BAD_VOLUME_ID", /volumeId/],
  ["a volume id over 32 characters", { ...base, volumeId: "a".repeat(33), files: [] }, "ISO_BAD_VOLUME_ID", /1 to 32/],
  ["a volume id with a slash", { ...base, volumeId: "ci/data", files: [] }, "ISO_BAD_VOLUME_ID", /"ci\/data"/],
  ["a volume id with a trailing space", { ...base, volumeId: "cidata ", files: [] }, "ISO_BAD_VOLUME_ID", /inner spaces/],
  ["a non-ASCII volume id", { ...base, volumeId: "cïdata", files: [] }, "ISO_BAD_VOLUME_ID", /volumeId/],
  ["a publisher with a non-ASCII character", { ...base, publisher: "café", files: [] }, "ISO_BAD_IDENTIFIER", /publisher/],
  ["an application id over 128 characters", { ...base, applicationId: "A".repeat(129), files: [] }, "ISO_BAD_IDENTIFIER", /applicationId/],
  ["a system id over 32 characters", { ...base, systemId: "L".repeat(33), files: [] }, "ISO_BAD_IDENTIFIER", /systemId/],
  ["a fractional epoch", { ...base, sourceDateEpoch: 1.5, files: [] }, "ISO_BAD_SOURCE_DATE_EPOCH", /integer/],
  ["an epoch after 2155", { ...base, sourceDateEpoch: 6_000_000_000, files: [] }, "ISO_BAD_SOURCE_DATE_EPOCH", /2155/],
  ["an epoch before 1900", { ...base, sourceDateEpoch: -2_300_000_000, files: [] }, "ISO_BAD_SOURCE_DATE_EPOCH", /1900/],
  ["interchange level 3", { ...base, interchangeLevel: 3 as 1, files: [] }, "ISO_BAD_LEVEL", /1 or 2/],
  ["negative padding", { ...base, paddingSectors: -1, files: [] }, "ISO_BAD_PADDING", /paddingSectors/],
  ["files that is not an array", { ...base, files: "meta-data" as never }, "ISO_BAD_OPTIONS", /files must be an array/],
  ["a file that is not an object", { ...base, files: [null as never] }, "ISO_BAD_OPTIONS", /object/],
  ["an empty path", { ...base, files: [file("")] }, "ISO_BAD_PATH", /non-empty/],
  ["a path that is not a string", { ...base, files: [{ path: 7 as never, data: "" }] }, "ISO_BAD_PATH", /non-empty string/],
  ["an absolute path", { ...base, files: [file("/meta-data")] }, "ISO_BAD_PATH", /relative/],
  ["a trailing slash", { ...base, files: [file("dir/")] }, "ISO_BAD_PATH", /relative/],
  ["a doubled slash", { ...base, files: [file("a//b")] }, "ISO_BAD_PATH", /empty segment/],
  ["a .. segment", { ...base, files: [file("a/../b")] }, "ISO_DOT_SEGMENT", /"\.\."/],
  ["a . segment", { ...base, files: [file("./b")] }, "ISO_DOT_SEGMENT", /"\."/],
  ["a NUL in a name", { ...base, files: [file("meta\0data")] }, "ISO_ILLEGAL_CHARACTER", /NUL/],
  ["a lone surrogate", { ...base, files: [file("bad\ud800name")] }, "ISO_ILLEGAL_CHARACTER", /surrogate/],
  ["a name of 256 bytes", { ...base, files: [file("n".repeat(256))] }, "ISO_NAME_TOO_LONG", /256 UTF-8 bytes/],
  ["a name of 128 two-byte characters", { ...base, files: [file("é".repeat(128))] }, "ISO_NAME_TOO_LONG", /256/],
  ["the same file twice", { ...base, files: [file("meta-data"), file("meta-data")] }, "ISO_DUPLICATE_PATH", /listed twice/],
  ["the same folder twice", { ...base, files: [], directories: [{ path: "d" }, { path: "d" }] }, "ISO_DUPLICATE_PATH", /listed twice/],
  ["a file inside a file", { ...base, files: [file("a"), file("a/b")] }, "ISO_PATH_CONFLICT", /is a file/],
  ["a file that is also a folder", { ...base, files: [file("a/b"), file("a")] }, "ISO_PATH_CONFLICT", /also a folder/],
  ["a file that is a listed folder", { ...base, files: [file("d")], directories: [{ path: "d" }] }, "ISO_PATH_CONFLICT", /also a folder/],
  ["eight nested folders", { ...base, files: [file("1/2/3/4/5/6/7/8/f")] }, "ISO_TOO_DEEP", /7 nested folders/],
  ["a mode with type bits", { ...base, files: [{ path: "f", data: "", mode: 0o100644 }] }, "ISO_BAD_MODE", /0o7777/],
  ["a negative mode", { ...base, files: [{ path: "f", data: "", mode: -1 }] }, "ISO_BAD_MODE", /mode of "f"/],
  ["data of the wrong type", { ...base, files: [{ path: "f", data: 42 as never }] }, "ISO_BAD_DATA", /Uint8Array or a string/],
];

describe("input validation", () => {
  it.each(cases)("rejects %s", (_, options, code, message) => {
    const error = failure(options);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.name).toBe("IsoError");
  });

  it("names the offending path", () => {
    expect(failure({ ...base, files: [file("ok"), file("x/../y")] }).path).toBe("x/../y");
  });

  it("rejects a malformed SOURCE_DATE_EPOCH variable", () => {
    vi.stubEnv("SOURCE_DATE_EPOCH", "yesterday");
    const error = failure({ volumeId: "cidata", files: [] });
    expect(error.code).toBe("ISO_BAD_SOURCE_DATE_EPOCH");
    expect(error.message).toContain('"yesterday"');
  });

  it("rejects a file above 4 GiB - 1 without allocating it", () => {
    const huge = new Proxy(new Uint8Array(0), {
      get: (target, key) => (key === "length" ? 0x1_0000_0000 : Reflect.get(target, key)),
    });
    const error = failure({ ...base, files: [{ path: "huge.img", data: huge }] });
    expect(error.code).toBe("ISO_FILE_TOO_LARGE");
    expect(error.message).toContain("4294967296 bytes");
  });

  it("rejects more than 65535 folders, which path tables cannot number", () => {
    const files = Array.from({ length: 256 * 256 }, (_, i) => ({ path: `${i >> 8}/${i & 255}/f`, data: "" }));
    const error = failure({ ...base, files });
    expect(error.code).toBe("ISO_IMAGE_TOO_LARGE");
    expect(error.message).toContain("65793 folders");
  });

  it.skipIf(bufferConstants.MAX_LENGTH > 2 ** 32)("rejects an image that cannot fit one Uint8Array before allocating it", () => {
    const largest = new Proxy(new Uint8Array(0), {
      get: (target, key) => (key === "length" ? 0xffff_ffff : Reflect.get(target, key)),
    });
    const error = failure({ ...base, files: [{ path: "huge.img", data: largest }] });
    expect(error.code).toBe("ISO_IMAGE_TOO_LARGE");
    expect(error.message).toMatch(/more than one Uint8Array can hold/);
  });

  it("accepts the limits themselves", () => {
    expect(() =>
      buildIso({
        ...base,
        volumeId: "A".repeat(32),
        files: [file("n".repeat(255)), file("é".repeat(127)), file("1/2/3/4/5/6/7/f")],
        directories: [{ path: "1/2/3/4/5/6/7", mode: 0o700 }],
        sourceDateEpoch: Date.UTC(2155, 11, 31, 23, 59, 59) / 1000,
      }),
    ).not.toThrow();
    expect(() => buildIso({ ...base, files: [], sourceDateEpoch: Date.UTC(1900, 0, 1) / 1000 })).not.toThrow();
  });
});
