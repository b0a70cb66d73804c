// The NoCloud seed ISO of the reference cloud-init files (fixtures/reference, the inputs of the
// seed `cloud-localds` made there): our writer in process, and in a cold Node process, against
// `cloud-localds` and `genisoimage -J -R -V cidata`.
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { alternate, packageEntry, row, tempDir } from "../lib.mjs";

export const name = "seed-iso";
export const tags = [];
export const peers = ["cloud-localds", "genisoimage"];

const NAMES = ["meta-data", "user-data", "network-config"];

export async function run({ root, node, peerStatus }) {
  const inputs = join(root, "fixtures", "reference");
  const work = tempDir("seed");
  const isoUrl = packageEntry(root, "iso9660");
  const { buildIso } = await import(isoUrl);
  const output = (what, index) => join(work, `${what}-${index}.iso`);

  const inProcess = {
    label: "in-process",
    // Read and write as the programs do, so the figure is the whole job.
    fn: (index) => {
      const files = NAMES.map((path) => ({ path, data: readFileSync(join(inputs, path)) }));
      writeFileSync(output("ours", index), buildIso({ volumeId: "cidata", files }));
    },
  };
  const script = [
    `import { buildIso } from ${JSON.stringify(isoUrl)};`,
    `import { readFileSync, writeFileSync } from "node:fs";`,
    `const files = ${JSON.stringify(NAMES)}.map((path) => ({ path, data: readFileSync(${JSON.stringify(inputs)} + "/" + path) }));`,
    `writeFileSync(process.argv[1], buildIso({ volumeId: "cidata", files }));`,
  ].join("\n");
  const cold = { label: "cold", file: node, args: (index) => ["--input-type=module", "-e", script, output("cold", index)] };
  const baseline = { label: "node", file: node, args: ["-e", "0"] };
  const localds = { label: "cloud-localds", file: "cloud-localds", args: (index) => ["-N", join(inputs, "network-config"), output("localds", index), join(inputs, "user-data"), join(inputs, "meta-data")] };
  const genisoimage = { label: "genisoimage", file: "genisoimage", args: (index) => ["-quiet", "-o", output("genisoimage", index), "-J", "-R", "-V", "cidata", ...NAMES.map((name) => join(inputs, name))] };
  const peersHere = [localds, genisoimage].filter((peer) => peerStatus[peer.label].ok);
  const results = await alternate([inProcess, cold, baseline, ...peersHere]);
  for (const peer of [localds, genisoimage]) if (!peerStatus[peer.label].ok) results.set(peer.label, { skipped: peerStatus[peer.label].why });
  const against = [
    { name: "`cloud-localds`", result: results.get("cloud-localds") },
    { name: "`genisoimage`", result: results.get("genisoimage") },
  ];
  return {
    rows: [
      row("seed ISO: `buildIso` in process (read 3 files, write the ISO)", results.get("in-process"), { against }),
      row("seed ISO: cold `node` importing `buildIso`, writing the ISO", results.get("cold"), { against: [...against, { name: "`node -e 0`", result: results.get("node") }] }),
      row("`node -e 0` (alternated with the seed rows)", results.get("node")),
      row("`cloud-localds -N network-config seed.iso user-data meta-data`", results.get("cloud-localds")),
      row("`genisoimage -J -R -V cidata -o seed.iso` (3 files)", results.get("genisoimage")),
    ],
    notes: ["The seed rows use the cloud-init files in `fixtures/reference` (a VM like web-1); `cloud-localds` runs `genisoimage` itself, so it costs a shell script more."],
  };
}
