import type { StageContext } from "@vmforge/kernel";
import { runDirOf } from "../run-dir.js";
import { userVmRequestKey } from "../contract.js";
import { defineStorage } from "../define-storage.js";
import { hostFitKey, storageKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(storageKey, defineStorage(ctx.get(userVmRequestKey), ctx.get(hostFitKey), runDirOf(ctx)));
}
