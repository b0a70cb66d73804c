import type { StageContext } from "@vmforge/kernel";
import { guestMediaKey, qemuCommandKey, vmDefinitionKey } from "../contract.js";
import { diskImageCommands } from "../disk-images.js";
import { launchScript } from "../launch-script.js";
import { buildQemuInvocation } from "../qemu-args.js";
import { hostInstallTarget } from "../host-install.js";
import { lookingGlassTmpfiles } from "../looking-glass.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const media = ctx.items(guestMediaKey);
  const invocation = buildQemuInvocation(definition, media);
  const script = launchScript(definition, invocation);
  const createImages = diskImageCommands(definition, "qemu-img");
  ctx.set(qemuCommandKey, { argv: invocation.argv, launchScript: script, createImages });
  await ctx.writeArtifact("qemu-command.json", `${JSON.stringify({ argv: invocation.argv, createImages }, null, 2)}\n`, { description: "the QEMU argument array" });
  const launcher = await ctx.writeArtifact("launch.sh", script, { mode: 0o755, description: "starts the VM" });
  if (definition.lookingGlass?.backing === "shm") {
    // systemd-tmpfiles makes the file at boot with its owner and mode, as Looking Glass's docs suggest.
    const text = lookingGlassTmpfiles(definition.lookingGlass);
    const artifact = await ctx.writeArtifact("looking-glass.conf", text, { description: "a systemd-tmpfiles line for the Looking Glass shared memory" });
    const target = await hostInstallTarget(ctx.host, "/etc/tmpfiles.d", `vmforge-${definition.name}-looking-glass.conf`, ctx.effects);
    if (ctx.host.isLive && !ctx.effects.dryRun && process.getuid?.() !== 0) {
      ctx.ui.warn(`Not installing ${target.path}: that needs root.`, `sudo install -m 0644 ${artifact.path} ${target.path} && sudo systemd-tmpfiles --create ${target.path}`, "W_LOOKING_GLASS_TMPFILES");
    } else {
      if (!target.dirExists) await ctx.effects.mkdir(target.dir, "systemd-tmpfiles' folder");
      await ctx.effects.writeFile(target.path, text, { mode: 0o644, description: "the Looking Glass shared memory's owner and mode at boot" });
    }
  }
  ctx.ui.result(`QEMU command: ${invocation.argv.length} arguments${media.length ? `, with ${media.length} guest medium(s)` : ""}.`, undefined, launcher.path);
}
