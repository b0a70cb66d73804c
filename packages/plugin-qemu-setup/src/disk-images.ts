import type { VmDefinition } from "./contract.js";

/**
 * `qemu-img create` for each disk vmforge makes (new images and overlays), in disk order.
 * `target` names the file qemu-img writes (a temporary name beside the image when applying).
 */
export function diskImageCommands(definition: VmDefinition, qemuImg: string, target: (path: string) => string = (path) => path): Array<{ path: string; argv: string[] }> {
  return definition.disks
    .filter((disk) => disk.source !== "existing")
    .map((disk) => {
      const argv = [qemuImg, "create", "-q", "-f", disk.format];
      if (disk.backing) argv.push("-b", disk.backing.path, "-F", disk.backing.format);
      argv.push("--", target(disk.path));
      if (disk.sizeBytes !== null) argv.push(String(disk.sizeBytes));
      return { path: disk.path, argv };
    });
}
