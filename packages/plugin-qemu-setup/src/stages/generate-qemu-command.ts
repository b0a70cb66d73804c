import type { StageContext } from "@vmforge/kernel";
import { guestMediaKey, qemuCommandKey, vmDefinitionKey } from "../contract.js";
import { diskImageCommands } from "../disk-images.js";
import { launchScript } from "../launch-script.js";
import { buildQemuInvocation } from "../qemu-args.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const media = ctx.items(guestMediaKey);
  const invocation = buildQemuInvocation(definition, media);
  const script = launchScript(definition, invocation);
  const createImages = diskImageCommands(definition, "qemu-img");
  ctx.set(qemuCommandKey, { argv: invocation.argv, launchScript: script, createImages });
  await ctx.writeArtifact("qemu-command.json", `${JSON.stringify({ argv: invocation.argv, createImages }, null, 2)}\n`, { description: "the QEMU argument array" });
  const launcher = await ctx.writeArtifact("launch.sh", script, { mode: 0o755, description: "starts the VM" });
  ctx.ui.result(`QEMU command: ${invocation.argv.length} arguments${media.length ? `, with ${media.length} guest medium(s)` : ""}.`, undefined, launcher.path);
}
