// The NoCloud seed ISO: our in-process writer against the program users run today.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hasCommand, report, timeCommand, timeFunction } from "../lib.mjs";

export async function run({ root }) {
  const referenceDir = join(root, "..", "shared", "fixtures", "reference");
  const names = ["meta-data", "user-data", "network-config"];
  const files = names.map((name) => ({ path: name, data: readFileSync(join(referenceDir, name)) }));
  const { buildIso } = await import(pathToFileURL(join(root, "packages/iso9660/dist/index.js")).href);

  const ours = await timeFunction(() => buildIso({ volumeId: "cidata", files, sourceDateEpoch: 0 }));
  console.log(`${"buildIso (in process, seed of 3 files)".padEnd(44)} ${ours.toFixed(3).padStart(8)} ms`);

  const work = mkdtempSync(join(tmpdir(), "vmforge-bench-iso-"));
  try {
    const output = join(work, "seed.iso");
    const [label, file, args] = hasCommand("cloud-localds")
      ? ["cloud-localds", "cloud-localds", ["-N", join(referenceDir, "network-config"), output, join(referenceDir, "user-data"), join(referenceDir, "meta-data")]]
      : hasCommand("genisoimage")
        ? ["genisoimage -V cidata -J -R", "genisoimage", ["-quiet", "-o", output, "-V", "cidata", "-J", "-R", ...names.map((name) => join(referenceDir, name))]]
        : [undefined];
    if (!label) {
      console.log("(neither cloud-localds nor genisoimage is installed: no comparison)");
      return;
    }
    const theirs = timeCommand(file, args);
    report("buildIso vs an external seed tool", ours, label, theirs);
    // A fairer figure for a CLI: a cold Node process that imports the writer and writes the seed.
    const script = [
      `import { buildIso } from ${JSON.stringify(pathToFileURL(join(root, "packages/iso9660/dist/index.js")).href)};`,
      `import { readFileSync, writeFileSync } from "node:fs";`,
      `const dir = ${JSON.stringify(referenceDir)};`,
      `const files = ${JSON.stringify(names)}.map((path) => ({ path, data: readFileSync(dir + "/" + path) }));`,
      `writeFileSync(${JSON.stringify(output)}, buildIso({ volumeId: "cidata", files }));`,
    ].join("\n");
    const cold = timeCommand(process.execPath, ["--input-type=module", "-e", script]);
    report("node cold start + buildIso + write", cold, label, theirs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
