import { readFileSync } from "node:fs";
import { join } from "node:path";
import { itWhen, referenceDir, tool } from "@vmforge/test-support";
import { describe, expect, it } from "vitest";
import { buildIso } from "../src/index.js";
import { expectSameTree, extractWithXorriso, parseIsoinfoListing, runText, writeImage } from "./helpers.js";

const names = ["meta-data", "user-data", "network-config"];
const reference = join(referenceDir, "seed.iso");
const files = names.map((name) => ({ path: name, data: readFileSync(join(referenceDir, name)) }));
const ours = writeImage(buildIso({ volumeId: "cidata", files, sourceDateEpoch: 1_700_000_000 }));

function summary(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => /^(Volume id|Logical block size|Joliet with|Rock Ridge signatures|Volume set size|Volume set sequence)/.test(line))
    .sort();
}

describe("against the seed cloud-localds made from the same files", () => {
  itWhen(tool("isoinfo", "genisoimage"))("has the same label, extensions and block size", () => {
    expect(summary(runText("isoinfo", ["-d", "-i", ours]))).toEqual(summary(runText("isoinfo", ["-d", "-i", reference])));
  });

  itWhen(tool("isoinfo", "genisoimage"))("lists the same names and sizes under Rock Ridge, Joliet and plain ISO 9660", () => {
    for (const flags of [["-R"], ["-J"], []]) {
      const listing = (iso: string) =>
        [...parseIsoinfoListing(runText("isoinfo", ["-l", ...flags, "-i", iso]))].map(([path, entry]) => [path, entry.size]);
      expect(listing(ours), flags.join(" ")).toEqual(listing(reference));
    }
  });

  itWhen(tool("isoinfo", "genisoimage"))("gives the same permissions under Rock Ridge", () => {
    const permissions = (iso: string) =>
      [...parseIsoinfoListing(runText("isoinfo", ["-l", "-R", "-i", iso]))].map(([path, entry]) => [path, entry.permissions]);
    expect(permissions(ours)).toEqual(permissions(reference));
  });

  itWhen(tool("blkid", "util-linux"))("probes the same with blkid", () => {
    const fields = (iso: string) =>
      runText("blkid", ["-p", "-o", "export", iso])
        .split("\n")
        .filter((line) => /^(LABEL|TYPE|USAGE|BLOCK_SIZE|VERSION)=/.test(line));
    expect(fields(ours)).toEqual(fields(reference));
  });

  itWhen(tool("xorriso", "xorriso"))("extracts to the same files as the reference, in every namespace", () => {
    for (const namespace of ["rockridge", "joliet", "iso9660"] as const) {
      expectSameTree(extractWithXorriso(ours, namespace), extractWithXorriso(reference, namespace));
    }
    const extracted = extractWithXorriso(ours, "rockridge");
    for (const file of files) expect(extracted.get(file.path)!.equals(file.data)).toBe(true);
  });

  itWhen(tool("xorriso", "xorriso"))("is offered the same extensions by xorriso", () => {
    const offers = (iso: string) => /ISO offers\s*:.*/.exec(runText("xorriso", ["-indev", iso, "-toc"]))?.[0];
    expect(offers(ours)).toBe(offers(reference));
  });
});
