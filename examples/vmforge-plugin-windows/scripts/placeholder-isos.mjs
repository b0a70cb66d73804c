// Writes two tiny ISO 9660 images where examples/win11.toml expects the Windows and virtio-win
// ISOs, so `vmforge plan examples/win11.toml` can be tried (and tested) without the 6 GB download.
// They pass the preflight check (a regular file with a CD001 volume descriptor) and boot nothing.
//   node scripts/placeholder-isos.mjs [folder]     (default: examples/)
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildIso } from "@vmforge/iso9660";

const folder = resolve(process.argv[2] ?? "examples");
const images = { "Win11_24H2_English_x64.iso": "PLACEHOLDER_WIN11", "virtio-win.iso": "PLACEHOLDER_VIRTIO" };
for (const [name, volumeId] of Object.entries(images)) {
  const path = join(folder, name);
  if (existsSync(path)) {
    console.log(`kept ${path} (it exists)`);
    continue;
  }
  await writeFile(path, buildIso({ volumeId, files: [{ path: "PLACEHOLDER.TXT", data: "Not Windows: a placeholder written by vmforge-plugin-windows' scripts/placeholder-isos.mjs.\n" }] }));
  console.log(`wrote ${path}`);
}
