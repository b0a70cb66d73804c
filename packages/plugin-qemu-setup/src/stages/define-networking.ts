import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";
import { defineNetworking } from "../define-networking.js";
import { hostFitKey, networkingKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  // Read so that NICs are only defined for a request the host accepted.
  ctx.get(hostFitKey);
  ctx.set(networkingKey, defineNetworking(ctx.get(userVmRequestKey)));
}
