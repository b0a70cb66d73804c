import { hasTool, itWhen, tool } from "@vmforge/test-support";
import { describe, expect, it } from "vitest";
import { buildIso, describeIsoNames, type IsoFileInput } from "../src/index.js";
import {
  expectedTree,
  expectSameTree,
  extractWithXorriso,
  parseIsoinfoListing,
  run,
  runText,
  writeImage,
} from "./helpers.js";

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const files: IsoFileInput[] = [
  { path: "meta-data", data: "instance-id: iid-local01\nlocal-hostname: probe-host\n" },
  { path: "user-data", data: "#cloud-config\npassword: passw0rd\nchpasswd: { expire: False }\n" },
  { path: "network-config", data: "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n" },
  { path: "empty", data: "" },
  { path: "scripts/setup-host.sh", data: "#!/bin/sh\necho hi\n", mode: 0o755 },
  { path: "scripts/nested/deeper/still-deeper/file.txt", data: "nested" },
  { path: "a/b/c/d/e/f/g/seven-levels-down", data: "deep" },
  { path: "large.bin", data: pattern(5 * 1024 * 1024 + 123, 7) },
  { path: "exactly-one-sector", data: pattern(2048, 3) },
  { path: `long-${"n".repeat(245)}.yaml`, data: "a Rock Ridge name of 255 bytes" },
  { path: "Mixed Case and spaces.TXT", data: "case" },
];
const options = { volumeId: "cidata", files, sourceDateEpoch: 1_700_000_000 };

describe("the image as real tools see it", () => {
  const iso = writeImage(buildIso(options));
  const names = describeIsoNames(options);
  const renameTo = (namespace: "isoPath" | "jolietPath") => (path: string) =>
    names.find((entry) => entry.path === path)![namespace].replace(/^\//, "");

  itWhen(tool("isoinfo", "genisoimage"))("isoinfo -d finds the volume id, Rock Ridge and Joliet level 3", () => {
    const description = runText("isoinfo", ["-d", "-i", iso]);
    expect(description).toContain("Volume id: cidata\n");
    expect(description).toContain("Rock Ridge signatures version 1 found");
    expect(description).toContain("Joliet with UCS level 3 found");
    expect(description).toContain("Logical block size is: 2048");
  });

  itWhen(tool("isoinfo", "genisoimage"))("isoinfo -l -R lists exactly the files with their names, sizes and modes", () => {
    const listed = parseIsoinfoListing(runText("isoinfo", ["-l", "-R", "-i", iso]));
    const expected = expectedTree(files);
    expect([...listed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, data] of expected) {
      expect(listed.get(path)!.directory, path).toBe(data === null);
      if (data !== null) expect(listed.get(path)!.size, path).toBe(data.length);
    }
    expect(listed.get("scripts/setup-host.sh")!.permissions).toBe("rwxr-xr-x");
    expect(listed.get("meta-data")!.permissions).toBe("rw-r--r--");
    expect(listed.get("scripts")!.permissions).toBe("rwxr-xr-x");
  });

  itWhen(tool("isoinfo", "genisoimage"))("isoinfo -l -J lists the same names (Joliet cuts the long one to 64)", () => {
    const listed = parseIsoinfoListing(runText("isoinfo", ["-l", "-J", "-i", iso]));
    const expected = expectedTree(files, renameTo("jolietPath"));
    expect([...listed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, data] of expected) if (data !== null) expect(listed.get(path)!.size, path).toBe(data.length);
    expect(listed.has("meta-data") && listed.has("user-data") && listed.has("network-config")).toBe(true);
    expect([...listed.keys()].find((path) => path.startsWith("long-"))).toBe(`long-${"n".repeat(54)}.yaml`);
  });

  itWhen(tool("isoinfo", "genisoimage"))("isoinfo -x reads each file back through Rock Ridge, Joliet and plain names", () => {
    for (const file of files) {
      const entry = names.find((candidate) => candidate.path === file.path)!;
      const expected = Buffer.from(typeof file.data === "string" ? Buffer.from(file.data) : file.data);
      expect(run("isoinfo", ["-R", "-x", `/${file.path}`, "-i", iso]).stdout.equals(expected), file.path).toBe(true);
      expect(run("isoinfo", ["-J", "-x", entry.jolietPath, "-i", iso]).stdout.equals(expected), entry.jolietPath).toBe(true);
      expect(run("isoinfo", ["-x", entry.isoPath, "-i", iso]).stdout.equals(expected), entry.isoPath).toBe(true);
    }
  });

  itWhen(tool("isovfy", "genisoimage"))("isovfy finds no error", () => {
    expect(runText("isovfy", [iso])).toContain("No errors found");
  });

  itWhen(tool("blkid", "util-linux"))("blkid -p reports the label and type", () => {
    const probe = runText("blkid", ["-p", iso]);
    expect(probe).toContain('LABEL="cidata"');
    expect(probe).toContain('TYPE="iso9660"');
    // blkid derives the UUID from the creation date, so it comes from sourceDateEpoch.
    expect(probe).toContain('UUID="2023-11-14-22-13-20-00"');
  });

  itWhen(tool("xorriso", "xorriso"))("xorriso -toc offers Rock Ridge and Joliet", () => {
    const toc = runText("xorriso", ["-indev", iso, "-toc"]) + run("xorriso", ["-indev", iso, "-toc"]).stderr;
    expect(toc).toMatch(/ISO offers\s*:\s*Rock_Ridge Joliet/);
    expect(toc).toContain("Volume id    : 'cidata'");
  });

  itWhen(tool("xorriso", "xorriso"))("xorriso extracts every file byte for byte through Rock Ridge", () => {
    expectSameTree(extractWithXorriso(iso, "rockridge"), expectedTree(files));
  });

  itWhen(tool("xorriso", "xorriso"))("xorriso extracts every file byte for byte through Joliet only", () => {
    expectSameTree(extractWithXorriso(iso, "joliet"), expectedTree(files, renameTo("jolietPath")));
  });

  itWhen(tool("xorriso", "xorriso"))("xorriso extracts every file byte for byte through plain ISO 9660 names", () => {
    // xorriso shows plain names without ";1" and without a trailing ".".
    const plain = (path: string) => renameTo("isoPath")(path).replace(/\.?;1$/, "");
    const extracted = extractWithXorriso(iso, "iso9660");
    expectSameTree(extracted, expectedTree(files, plain));
    for (const path of extracted.keys()) expect(path).toMatch(/^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?(\/[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?)*$/);
  });

  itWhen(tool("xorriso", "xorriso"))("xorriso reads interchange level 2 names and Rock Ridge the same", () => {
    const level2 = { ...options, interchangeLevel: 2 as const };
    const iso2 = writeImage(buildIso(level2));
    const names2 = describeIsoNames(level2);
    const plain = (path: string) =>
      names2.find((entry) => entry.path === path)!.isoPath.replace(/^\//, "").replace(/\.?;1$/, "");
    expectSameTree(extractWithXorriso(iso2, "iso9660"), expectedTree(files, plain));
    expectSameTree(extractWithXorriso(iso2, "rockridge"), expectedTree(files));
    expect(names2.find((entry) => entry.path === "network-config")!.isoPath).toBe("/NETWORK_CONFIG.;1");
  });

  itWhen(tool("xorriso", "xorriso"))("creates listed empty folders with their modes", () => {
    const withFolders = {
      ...options,
      files: [{ path: "meta-data", data: "x" }],
      directories: [{ path: "empty-folder" }, { path: "private/inner", mode: 0o700 }],
    };
    const iso2 = writeImage(buildIso(withFolders));
    const extracted = extractWithXorriso(iso2, "rockridge");
    expect([...extracted.keys()].sort()).toEqual(["empty-folder", "meta-data", "private", "private/inner"]);
    if (hasTool("isoinfo")) {
      const listed = parseIsoinfoListing(runText("isoinfo", ["-l", "-R", "-i", iso2]));
      expect(listed.get("private/inner")!.permissions).toBe("rwx------");
      expect(listed.get("empty-folder")!.permissions).toBe("rwxr-xr-x");
    }
  });
});
