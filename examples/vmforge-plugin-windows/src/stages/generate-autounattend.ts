import { buildIso } from "@vmforge/iso9660";
import type { StageContext } from "@vmforge/kernel";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup/contract";
import { guestRequest } from "@vmforge/plugin-qemu-setup/guest";
import { renderAutounattend } from "../autounattend.js";
import { windowsTableSchema } from "../config-schema.js";
import { windowsAnswerFileKey } from "../contract.js";
import { EDITIONS } from "../editions.js";
import { ANSWER_FILE_ARTIFACT, ANSWER_FILE_NAME, ANSWER_ISO_ARTIFACT, ANSWER_VOLUME_ID } from "../names.js";

/** [windows] -> autounattend.xml -> autounattend.iso in the run folder (in a dry run only under --out). */
export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const table = (await guestRequest(ctx)).table("windows", windowsTableSchema);
  if (ctx.runName === undefined) ctx.setRunName(definition.name);

  const computerName = table.computer_name ?? computerNameOf(definition.name);
  const xml = renderAutounattend({
    edition: table.edition,
    uiLanguage: table.ui_language,
    locale: table.locale,
    timeZone: table.time_zone,
    computerName,
    productKey: table.product_key ?? EDITIONS[table.edition].genericKey!,
    admin: { name: table.admin.name, password: table.admin.password, ...(table.admin.full_name !== undefined ? { fullName: table.admin.full_name } : {}) },
  });
  const iso = buildIso({ volumeId: ANSWER_VOLUME_ID, files: [{ path: ANSWER_FILE_NAME, data: xml, mode: 0o600 }] });
  // The answer file holds the administrator's password: it and the image are for the VM's owner only.
  await ctx.writeArtifact(ANSWER_FILE_ARTIFACT, xml, { description: "the Windows answer file, as on the ISO", mode: 0o600 });
  const artifact = await ctx.writeArtifact(ANSWER_ISO_ARTIFACT, iso, { description: "the Windows answer file (autounattend.xml, volume AUTOUNATTEND)", mode: 0o600 });
  const isoPath = ctx.artifactPath(ANSWER_ISO_ARTIFACT);
  ctx.set(windowsAnswerFileKey, { xml, isoPath, volumeId: ANSWER_VOLUME_ID, imageName: EDITIONS[table.edition].imageName, computerName });
  const where = artifact.status === "done" ? isoPath : `${isoPath} (not written: dry run)`;
  ctx.ui.result(`Windows answer file ${where}: ${EDITIONS[table.edition].imageName}, ${table.locale}, ${table.time_zone}, user ${table.admin.name}`, { imageName: EDITIONS[table.edition].imageName }, isoPath);
}

/** A NetBIOS name from the VM name: upper case, at most 15 characters, no trailing hyphen. */
export function computerNameOf(vmName: string): string {
  const name = vmName.toUpperCase().slice(0, 15).replace(/-+$/, "");
  return /^[0-9]+$/.test(name) ? `VM-${name}`.slice(0, 15) : name;
}
