import type { StageContext } from "@vmforge/kernel";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup/contract";
import { cloudInitMetaDataKey, cloudInitUserDataKey, linuxConfigKey } from "../contract.js";
import { renderMetaData } from "../render-cloud-init.js";

/** meta-data: local-hostname and an instance-id hashed from what the guest is given. */
export async function run(ctx: StageContext): Promise<void> {
  const config = ctx.get(linuxConfigKey);
  const definition = ctx.get(vmDefinitionKey);
  const { userData, networkConfig } = ctx.get(cloudInitUserDataKey);
  const { instanceId, metaData } = renderMetaData({ vmName: definition.name, localHostname: config.hostname, userData, networkConfig });
  ctx.set(cloudInitMetaDataKey, { instanceId, localHostname: config.hostname, metaData });
  ctx.ui.info(`cloud-init meta-data: instance-id ${instanceId}`);
}
