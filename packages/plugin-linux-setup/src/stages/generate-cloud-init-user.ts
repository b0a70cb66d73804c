import type { StageContext } from "@vmforge/kernel";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup/contract";
import { cloudInitUserDataKey, linuxConfigKey } from "../contract.js";
import { renderNetworkConfig, renderUserData } from "../render-cloud-init.js";

/** session.linux_config + the definition's NICs -> user-data and network-config, in memory. */
export async function run(ctx: StageContext): Promise<void> {
  const config = ctx.get(linuxConfigKey);
  const definition = ctx.get(vmDefinitionKey);
  const userData = renderUserData(config);
  const networkConfig = renderNetworkConfig(definition.nics);
  ctx.set(cloudInitUserDataKey, { userData, networkConfig });
  ctx.ui.info(`cloud-init user-data (${Buffer.byteLength(userData)} bytes) and network-config for ${definition.nics.length} NIC(s)`);
}
