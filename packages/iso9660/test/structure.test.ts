import { describe, expect, it } from "vitest";
import { buildIso, describeIsoNames, type BuildIsoOptions } from "../src/index.js";
import {
  descriptor,
  directoryRecords,
  latin1,
  pathTable,
  SECTOR,
  suspEntries,
  ucs2,
  type Record,
} from "./iso-reader.js";

const options: BuildIsoOptions = {
  volumeId: "cidata",
  sourceDateEpoch: 1_700_000_000,
  publisher: "vmforge",
  applicationId: "VMFORGE TEST",
  files: [
    { path: "meta-data", data: "a" },
    { path: "meta_data", data: "b" },
    { path: "META-DATA", data: "c" },
    { path: "user-data", data: "d" },
    { path: "z-folder/inner/file.tar.gz", data: "e" },
    { path: "a-folder/x", data: "" },
    { path: "a-folder/y", data: "" },
    { path: `${"j".repeat(70)}.txt`, data: "f" },
    { path: `${"j".repeat(70)}.txt2`, data: "g" },
    { path: `${"j".repeat(71)}.txt`, data: "h" },
    { path: `${"k".repeat(250)}`, data: "i" },
    { path: "many/" + "0", data: "" },
    ...Array.from({ length: 120 }, (_, i) => ({ path: `many/file-number-${i}-with-a-long-name.conf`, data: String(i) })),
  ],
};
const image = buildIso(options);

/** ECMA-119 9.3 for d-character identifiers. */
function isoOrder(a: string, b: string): number {
  const split = (id: string) => {
    const [base, version = "0"] = id.split(";");
    const [name = "", extension = ""] = base!.split(".");
    return { name, extension, version: Number(version) };
  };
  const pad = (x: string, y: string) => {
    const n = Math.max(x.length, y.length);
    return [x.padEnd(n, " "), y.padEnd(n, " ")] as const;
  };
  const left = split(a);
  const right = split(b);
  const [n1, n2] = pad(left.name, right.name);
  if (n1 !== n2) return n1 < n2 ? -1 : 1;
  const [e1, e2] = pad(left.extension, right.extension);
  if (e1 !== e2) return e1 < e2 ? -1 : 1;
  return right.version - left.version;
}

function walk(root: Record, visit: (records: Record[], parent: Record) => void): void {
  const queue = [root];
  while (queue.length) {
    const folder = queue.shift()!;
    const records = directoryRecords(image, folder.location, folder.dataLength);
    visit(records, folder);
    queue.push(...records.slice(2).filter((record) => record.directory));
  }
}

describe("volume descriptors (ECMA-119 8)", () => {
  const primary = descriptor(image, 16);
  const joliet = descriptor(image, 17);

  it("has the primary, the Joliet supplementary and the terminator in sectors 16 to 18", () => {
    expect(latin1(image.subarray(0, 16 * SECTOR)).replace(/\0/g, "")).toBe("");
    expect([primary.type, joliet.type, image[18 * SECTOR]]).toEqual([1, 2, 255]);
    for (const sector of [16, 17, 18]) {
      expect(latin1(image.subarray(sector * SECTOR + 1, sector * SECTOR + 6))).toBe("CD001");
      expect(image[sector * SECTOR + 6]).toBe(1);
    }
    expect([...joliet.raw.subarray(88, 91)]).toEqual([0x25, 0x2f, 0x45]);
  });

  it("records the volume size of the whole image, both-endian", () => {
    expect(primary.volumeSpaceSize * SECTOR).toBe(image.length);
    expect(joliet.volumeSpaceSize).toBe(primary.volumeSpaceSize);
  });

  it("writes the texts padded with spaces, UCS-2 in the Joliet descriptor", () => {
    expect(latin1(primary.raw.subarray(40, 72))).toBe("cidata".padEnd(32, " "));
    expect(ucs2(joliet.raw.subarray(40, 72))).toBe("cidata".padEnd(16, " "));
    expect(latin1(primary.raw.subarray(318, 446)).trimEnd()).toBe("vmforge");
    expect(latin1(primary.raw.subarray(574, 702)).trimEnd()).toBe("VMFORGE TEST");
    expect(ucs2(joliet.raw.subarray(574, 702)).trimEnd()).toBe("VMFORGE TEST");
    expect(primary.raw[881]).toBe(1);
  });

  it("has type L and M path tables that agree with each other and with the folders", () => {
    for (const volume of [primary, joliet]) {
      const little = pathTable(image, volume.typeL, volume.pathTableSize, false);
      const big = pathTable(image, volume.typeM, volume.pathTableSize, true);
      expect(big).toEqual(little);
      expect(little[0]).toMatchObject({ location: volume.root.location, parent: 1 });
      expect([...little[0]!.identifier]).toEqual([0]);
      const decode = volume === primary ? latin1 : ucs2;
      // ECMA-119 6.9.1: by level, then parent number, then identifier.
      const level = (index: number): number => (index === 0 ? 1 : level(little[index]!.parent - 1) + 1);
      for (let i = 2; i < little.length; i++) {
        const previous = little[i - 1]!;
        const current = little[i]!;
        const order =
          level(i - 1) - level(i) || previous.parent - current.parent || (decode(previous.identifier) < decode(current.identifier) ? -1 : 1);
        expect(order, `path table entries ${i - 1} and ${i}`).toBeLessThan(0);
      }
      // Every folder's "." record points at the extent the path table names.
      const found: number[] = [];
      walk(volume.root, (records) => found.push(records[0]!.location));
      expect(little.map((row) => row.location).sort()).toEqual(found.sort());
    }
  });
});

describe("directory records (ECMA-119 9.1, 9.3)", () => {
  it("start with . and .. pointing at the folder and its parent", () => {
    for (const volume of [16, 17]) {
      const root = descriptor(image, volume).root;
      walk(root, (records, folder) => {
        expect([...records[0]!.identifier]).toEqual([0]);
        expect([...records[1]!.identifier]).toEqual([1]);
        expect(records[0]!.location).toBe(folder.location);
        expect(records[0]!.dataLength).toBe(folder.dataLength);
        if (folder === root) expect(records[1]!.location).toBe(root.location);
        for (const child of records.slice(2).filter((record) => record.directory)) {
          expect(directoryRecords(image, child.location, child.dataLength)[1]!.location).toBe(folder.location);
        }
      });
    }
  });

  it("sorts primary identifiers as ECMA-119 9.3 says and keeps them level-1 d-characters, unique", () => {
    let folders = 0;
    walk(descriptor(image, 16).root, (records) => {
      folders++;
      const identifiers = records.slice(2).map((record) => latin1(record.identifier));
      expect([...identifiers].sort(isoOrder)).toEqual(identifiers);
      expect(new Set(identifiers.map((id) => id.replace(/\.?;1$/, ""))).size).toBe(identifiers.length);
      for (const record of records.slice(2)) {
        const id = latin1(record.identifier);
        expect(id).toMatch(record.directory ? /^[A-Z0-9_]{1,8}$/ : /^[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
      }
    });
    expect(folders).toBe(5);
  });

  it("spreads a large folder over several sectors without splitting a record", () => {
    const many = directoryRecords(image, descriptor(image, 16).root.location, descriptor(image, 16).root.dataLength).find(
      (record) => latin1(record.identifier) === "MANY",
    )!;
    expect(many.dataLength).toBeGreaterThan(SECTOR);
    expect(many.dataLength % SECTOR).toBe(0);
    expect(directoryRecords(image, many.location, many.dataLength)).toHaveLength(2 + 121);
  });

  it("sorts Joliet names, cuts them to 64 UCS-2 units and keeps them unique", () => {
    walk(descriptor(image, 17).root, (records) => {
      const names = records.slice(2).map((record) => ucs2(record.identifier));
      for (const name of names) expect(name.length).toBeLessThanOrEqual(64);
      expect(new Set(names).size).toBe(names.length);
      const padded = (a: string, b: string) => {
        const n = Math.max(a.length, b.length);
        return a.padEnd(n, " ") < b.padEnd(n, " ") ? -1 : a.padEnd(n, " ") > b.padEnd(n, " ") ? 1 : a.length - b.length;
      };
      expect([...names].sort(padded)).toEqual(names);
    });
    const rootNames = directoryRecords(image, descriptor(image, 17).root.location, SECTOR)
      .slice(2)
      .map((r) => ucs2(r.identifier));
    expect(rootNames).toContain(`${"j".repeat(60)}.txt`);
    expect(rootNames).toContain(`${"j".repeat(58)}~1.txt`);
    expect(rootNames).toContain(`${"j".repeat(59)}.txt2`);
    expect(rootNames).toContain("k".repeat(64));
  });

  it("gives the same extent to a file in both trees", () => {
    const locations = (volume: number) => {
      const result: [number, number][] = [];
      walk(descriptor(image, volume).root, (records) =>
        result.push(...records.slice(2).filter((r) => !r.directory).map((r): [number, number] => [r.location, r.dataLength])),
      );
      return result.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    };
    expect(locations(17)).toEqual(locations(16));
  });
});

describe("Rock Ridge (SUSP 1.12, RRIP 1.12)", () => {
  const root = descriptor(image, 16).root;
  const rootRecords = directoryRecords(image, root.location, root.dataLength);

  it("opens the root's . record with SP and announces IEEE_P1282 in ER through CE", () => {
    const entries = suspEntries(image, rootRecords[0]!.systemUse);
    expect(entries[0]!.signature).toBe("SP");
    expect([...entries[0]!.data]).toEqual([0xbe, 0xef, 0]);
    expect(rootRecords[0]!.systemUse[0]).toBe("S".charCodeAt(0));
    expect(entries.map((entry) => entry.signature)).toEqual(["SP", "PX", "TF", "CE", "ER"]);
    const er = entries.find((entry) => entry.signature === "ER")!;
    expect(latin1(er.data.subarray(4, 4 + er.data[0]!))).toBe("IEEE_P1282");
    expect(er.data[3]).toBe(1);
  });

  it("names every child with NM, split with CONTINUE above 250 bytes, and gives each node its own serial", () => {
    const serials = new Set<number>();
    const names: string[] = [];
    walk(root, (records) => {
      for (const record of records) {
        const entries = suspEntries(image, record.systemUse);
        const px = entries.find((entry) => entry.signature === "PX")!;
        expect(px.data.length).toBe(40);
        if (record === records[0]) serials.add(new DataView(px.data.buffer, px.data.byteOffset).getUint32(32, true));
        if (records.indexOf(record) < 2) continue;
        const nm = entries.filter((entry) => entry.signature === "NM");
        nm.slice(0, -1).forEach((entry) => expect(entry.data[0]).toBe(1));
        expect(nm.at(-1)!.data[0]).toBe(0);
        names.push(nm.map((entry) => latin1(entry.data.subarray(1))).join(""));
        const mode = new DataView(px.data.buffer, px.data.byteOffset).getUint32(0, true);
        expect(mode).toBe(record.directory ? 0o040755 : 0o100644);
        if (!record.directory) serials.add(new DataView(px.data.buffer, px.data.byteOffset).getUint32(32, true));
      }
    });
    expect(names).toContain("k".repeat(250));
    expect(names).toContain("file.tar.gz");
    expect(serials.size).toBe(options.files.length + 5);
  });

  it("keeps every directory record within 255 bytes and of even length", () => {
    walk(root, (records) => {
      for (const record of records) {
        expect(record.length).toBeLessThanOrEqual(255);
        expect(record.length % 2).toBe(0);
      }
    });
  });
});

describe("names", () => {
  it("mangles clashing primary names deterministically and leaves unique ones alone", () => {
    const names = new Map(describeIsoNames(options).map((entry) => [entry.path, entry.isoPath]));
    expect(names.get("user-data")).toBe("/USER_DAT.;1");
    expect([names.get("META-DATA"), names.get("meta-data"), names.get("meta_data")]).toEqual([
      "/META_DAT.;1",
      "/META_DA1.;1",
      "/META_DA2.;1",
    ]);
    expect(names.get("z-folder/inner/file.tar.gz")).toBe("/Z_FOLDER/INNER/FILE_TAR.GZ;1");
  });

  it("keeps Joliet names as given when they fit and replaces what Joliet forbids", () => {
    const names = describeIsoNames({ volumeId: "v", files: [{ path: "a:b;c*d?e\\f", data: "" }, { path: "ok name-1.txt", data: "" }] });
    expect(names.map((entry) => entry.jolietPath)).toEqual(["/a_b_c_d_e_f", "/ok name-1.txt"]);
  });

  it("writes longer primary names at interchange level 2", () => {
    const names = describeIsoNames({ ...options, interchangeLevel: 2 });
    expect(names.find((entry) => entry.path === "user-data")!.isoPath).toBe("/USER_DATA.;1");
    expect(names.find((entry) => entry.path === "many/file-number-7-with-a-long-name.conf")!.isoPath).toBe(
      "/MANY/FILE_NUMBER_7_WITH_A_LONG_.CONF;1",
    );
    expect(names.find((entry) => entry.path === "z-folder/inner/file.tar.gz")!.isoPath).toBe("/Z_FOLDER/INNER/FILE_TAR.GZ;1");
  });

  it("pads the image with 150 sectors by default and none when asked", () => {
    const unpadded = buildIso({ ...options, paddingSectors: 0 });
    expect(image.length - unpadded.length).toBe(150 * SECTOR);
    expect(image.subarray(unpadded.length).every((byte) => byte === 0)).toBe(true);
  });

  it("never splits a surrogate pair when cutting a Joliet name", () => {
    const name = `${"a".repeat(63)}\u{1F600}b`;
    const [entry] = describeIsoNames({ volumeId: "v", files: [{ path: name, data: "" }] });
    expect(entry!.jolietPath).toBe(`/${"a".repeat(63)}`);
    const kept = `${"a".repeat(62)}\u{1F600}b`;
    expect(describeIsoNames({ volumeId: "v", files: [{ path: kept, data: "" }] })[0]!.jolietPath).toBe(`/${"a".repeat(62)}\u{1F600}`);
  });

  it("separates a file A. from a folder A in plain names", () => {
    const names = describeIsoNames({ volumeId: "v", files: [{ path: "a.", data: "" }, { path: "A/x", data: "" }] });
    const plain = names.filter((entry) => !entry.path.includes("/")).map((entry) => entry.isoPath.replace(/\.?;1$/, ""));
    expect(new Set(plain).size).toBe(2);
  });
});
