import { itWhen, tool } from "@vmforge/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildIso, describeIsoNames } from "../src/index.js";
import { fileSet, toInput } from "./generators.js";
import { expectedTree, expectSameTree, extractWithXorriso, writeImage } from "./helpers.js";

// ISO9660_PROPERTY_RUNS=500 for a deeper local run; CI keeps it short.
const runs = { numRuns: Number(process.env.ISO9660_PROPERTY_RUNS ?? 30), endOnFailure: true };

describe("generated file sets", () => {
  itWhen(tool("xorriso", "xorriso"))(
    "come back exactly through Rock Ridge, Joliet and plain ISO 9660 names",
    () => {
      fc.assert(
        fc.property(fileSet, (specs) => {
          const files = specs.map(toInput);
          const options = { volumeId: "cidata", files, sourceDateEpoch: 1_700_000_000 };
          const iso = writeImage(buildIso(options));
          const names = new Map(describeIsoNames(options).map((entry) => [entry.path, entry]));
          const renamed = (pick: (path: string) => string) => (path: string) =>
            path
              .split("/")
              .map((_, i, segments) => pick(segments.slice(0, i + 1).join("/")).split("/").pop()!)
              .join("/");

          expectSameTree(extractWithXorriso(iso, "rockridge"), expectedTree(files));

          const joliet = renamed((path) => names.get(path)!.jolietPath);
          for (const entry of names.values()) {
            for (const segment of entry.jolietPath.split("/")) expect(segment.length).toBeLessThanOrEqual(64);
          }
          expectSameTree(extractWithXorriso(iso, "joliet"), expectedTree(files, joliet));

          // xorriso shows plain names without ";1" and without a trailing ".".
          const plain = renamed((path) => names.get(path)!.isoPath.replace(/\.?;1$/, ""));
          expectSameTree(extractWithXorriso(iso, "iso9660"), expectedTree(files, plain));
        }),
        runs,
      );
    },
    600_000,
  );
});
