import { describe, expect, it } from "vitest";
import { ALLOWED, QEMU_TABLES, qemuTablesSchema } from "../src/config-schema.js";
import { patternOf } from "../src/config-problems.js";
import { knownKeysAt } from "../src/schema-keys.js";
import { diskSerial, macFromName, uuidFromName } from "../src/derive-ids.js";
import { didYouMean, editDistance } from "../src/did-you-mean.js";
import { selectOvmfByName } from "../src/ovmf-selection.js";
import { formatSize, parseSize } from "../src/size-units.js";
import { QEMU_TABLE_NAMES } from "../src/table-names.js";
import { TomlLocator } from "../src/toml-locator.js";
import { DEBIAN_OVMF } from "./support/environment.js";

describe("sizes", () => {
  it.each([
    ["512B", 512],
    ["1KiB", 1024],
    ["1K", 1024],
    ["2MiB", 2 * 1024 ** 2],
    ["8GiB", 8 * 1024 ** 3],
    ["8G", 8 * 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["1 TiB", 1024 ** 4],
    ["2T", 2 * 1024 ** 4],
  ])("%s = %d bytes", (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, bytes });
  });

  it.each(["8gb", "8GB", "8", "GiB", "-1GiB", "1e3MiB", "0x10MiB", "1.3B", "99999999TiB", "8 G iB", ""])("%j is refused with a reason", (text) => {
    const result = parseSize(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });

  it("formats back to the largest whole unit", () => {
    expect(formatSize(8 * 1024 ** 3)).toBe("8GiB");
    expect(formatSize(1536 * 1024 ** 2)).toBe("1536MiB");
    expect(formatSize(1000)).toBe("1000B");
  });
});

describe("did you mean", () => {
  it("finds near names and ignores far ones", () => {
    expect(didYouMean("memroy", QEMU_TABLES)).toBe("memory");
    expect(didYouMean("disks", QEMU_TABLES)).toBe("disk");
    expect(didYouMean("Network", QEMU_TABLES)).toBe("network");
    expect(didYouMean("passtrough", QEMU_TABLES)).toBe("passthrough");
    expect(didYouMean("kubernetes", QEMU_TABLES)).toBeUndefined();
    expect(didYouMean("x".repeat(500), QEMU_TABLES)).toBeUndefined();
    expect(editDistance("ab", "ba")).toBe(1);
  });

  it("the manifest's table list is the schema's", () => {
    expect([...QEMU_TABLE_NAMES]).toEqual(QEMU_TABLES);
  });

  it("every key of every table says what it allows (the README's words, shown in problems)", () => {
    const paths: PropertyKey[][] = QEMU_TABLES.map((table) => (["disk", "network", "passthrough", "cdrom", "input"].includes(table) ? [table, 0] : [table]));
    paths.push(["usb", "devices", 0]);
    for (const path of paths) {
      const keys = knownKeysAt(qemuTablesSchema, path)!;
      expect(keys.length, String(path[0])).toBeGreaterThan(0);
      for (const key of keys) expect(ALLOWED[patternOf([...path, key])], `${patternOf([...path, key])}`).toBeDefined();
    }
  });
});

describe("TOML key path locator", () => {
  const text = [
    '# comment with [fake] = "header"', // 1
    "top = 1", // 2
    "[vm]", // 3
    '  name = "a" # trailing', // 4
    "[[disk]]", // 5
    'size = "1GiB"', // 6
    "[[disk]]", // 7
    'path = """', // 8
    "multi", // 9
    'line"""', // 10
    'bus = "nvme"', // 11
    "[usb]", // 12
    "devices = [", // 13
    '  { vendor = "046d", product = "c52b" },', // 14
    '  { vendor = "1234", "product" = "5678" },', // 15
    "]", // 16
    "[linux]", // 17
    'users.first = "x"', // 18
    "[[linux.users]]", // 19
    'name = "dev"', // 20
    "[[linux.users]]", // 21
    "'quoted key' = 1", // 22
    "[linux.users.extra]", // 23
    "deep = true", // 24
  ].join("\n");
  const locator = new TomlLocator(text);
  it.each([
    [["top"], 2, 1],
    [["vm"], 3, 1],
    [["vm", "name"], 4, 3],
    [["disk", 0], 5, 1],
    [["disk", 0, "size"], 6, 1],
    [["disk", 1, "path"], 8, 1],
    [["disk", 1, "bus"], 11, 1],
    [["usb", "devices", 0, "vendor"], 14, 5],
    [["usb", "devices", 1, "product"], 15, 22],
    [["usb", "devices", 1], 15, 3],
    [["linux", "users", "first"], 18, 1],
    [["linux", "users", 0, "name"], 20, 1],
    [["linux", "users", 1, "quoted key"], 22, 1],
    [["linux", "users", 1, "extra", "deep"], 24, 1],
  ] as const)("%j is at line %d, column %d", (path, line, column) => {
    expect(locator.locate(path)).toMatchObject({ line, column });
  });

  it("falls back to the nearest ancestor, and knows nothing of comments", () => {
    expect(locator.locate(["disk", 0, "bus"])).toMatchObject({ line: 5, sourceLine: "[[disk]]" });
    expect(locator.locateExact(["disk", 0, "bus"])).toBeUndefined();
    expect(locator.locate(["fake"])).toBeUndefined();
  });
});

describe("identities derived from the name", () => {
  it("a version 5 UUID, stable and different per name", () => {
    expect(uuidFromName("web-1")).toBe("f57c30af-8d87-544c-b07d-9532d1e1dcaa");
    expect(uuidFromName("web-1")).toBe(uuidFromName("web-1"));
    expect(uuidFromName("web-2")).not.toBe(uuidFromName("web-1"));
    expect(uuidFromName("x")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("MACs in QEMU's 52:54:00 range, one per NIC; serials of at most 20 characters", () => {
    expect(macFromName("web-1", 0)).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFromName("web-1", 1)).not.toBe(macFromName("web-1", 0));
    expect(diskSerial("a-very-long-vm-name-indeed", 12)).toBe("a-very-long-vm-n-d12");
    expect(diskSerial("a-very-long-vm-name-indeed", 12)).toHaveLength(20);
  });
});

describe("OVMF choice", () => {
  it("Debian: the 4M build and its vars; secure boot: secboot code with the Microsoft-keyed vars", () => {
    expect(selectOvmfByName(DEBIAN_OVMF.code, DEBIAN_OVMF.vars, false)).toEqual({ code: "/usr/share/OVMF/OVMF_CODE_4M.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.fd" });
    expect(selectOvmfByName(DEBIAN_OVMF.code, DEBIAN_OVMF.vars, true)).toEqual({ code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd" });
  });

  it("Fedora and Arch layouts; never a code image without its own vars", () => {
    const fedora = ["/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd"];
    const fedoraVars = ["/usr/share/edk2/ovmf/OVMF_VARS.fd", "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd"];
    expect(selectOvmfByName(fedora, fedoraVars, true)).toEqual({ code: fedora[1], varsTemplate: fedoraVars[1] });
    expect(selectOvmfByName(["/usr/share/edk2/x64/OVMF_CODE.4m.fd"], ["/usr/share/edk2/x64/OVMF_VARS.4m.fd"], false)).toEqual({
      code: "/usr/share/edk2/x64/OVMF_CODE.4m.fd",
      varsTemplate: "/usr/share/edk2/x64/OVMF_VARS.4m.fd",
    });
    expect(selectOvmfByName(["/usr/share/OVMF/OVMF_CODE_4M.fd"], ["/usr/share/OVMF/OVMF_VARS.fd"], false)).toBeUndefined();
    expect(selectOvmfByName(["/usr/share/OVMF/OVMF_CODE_4M.fd"], ["/usr/share/OVMF/OVMF_VARS_4M.fd"], true)).toBeUndefined();
  });
});
