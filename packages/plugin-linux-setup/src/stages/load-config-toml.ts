import type { StageContext } from "@vmforge/kernel";
import { guestRequest } from "@vmforge/plugin-qemu-setup/guest";
import { linuxTableSchema } from "../config-schema.js";
import { linuxConfigKey } from "../contract.js";
import { resolveLinuxConfig } from "../resolve-linux-config.js";

/** [linux] from session.user_vm_request -> session.linux_config (defaults applied, files read). */
export async function run(ctx: StageContext): Promise<void> {
  const guest = await guestRequest(ctx);
  const { request } = guest;
  const config = await resolveLinuxConfig({
    table: guest.table("linux", linuxTableSchema),
    vmName: request.vm.name,
    tomlPath: request.source.path,
    tomlText: request.source.text,
    recordInput: (path, what) => ctx.recordInput(path, what),
  });
  ctx.set(linuxConfigKey, config);
  const users = config.users.map((user) => user.name).join(", ") || "the image's default user";
  ctx.ui.info(`Linux guest ${config.fqdn ?? config.hostname}: users ${users}; ${config.packages.length} package(s), ${config.runcmd.length} command(s)${config.userData ? `, plus ${config.userData.file}` : ""}`);
}
