import { isAbsolute } from "node:path";
import type { StageContext } from "@vmforge/kernel";
import { guestMediaKey, qemuCommandKey, vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { DOMAIN_XML_ARTIFACT, libvirtDomainKey } from "../contract.js";
import { renderDomainXml } from "../xml/domain.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const media = ctx.items(guestMediaKey);
  const qemuProgram = ctx.tryGet(qemuCommandKey)?.argv[0];
  const emulator = qemuProgram !== undefined && isAbsolute(qemuProgram) ? qemuProgram : undefined;

  const domain = renderDomainXml({ definition, media, ...(emulator ? { emulator } : {}) });
  if (ctx.runName === undefined) ctx.setRunName(definition.name);
  const artifact = await ctx.writeArtifact(DOMAIN_XML_ARTIFACT, domain.xml, { description: "the libvirt domain (virsh define)" });

  ctx.set(libvirtDomainKey, { path: artifact.path, status: artifact.status, domainType: domain.domainType, notes: domain.notes });
  for (const note of domain.notes) ctx.ui.info(note);
  ctx.dispatch("LibvirtXMLGenerated", { path: artifact.path });
  const written = artifact.status === "done";
  ctx.ui.result(
    written ? `libvirt domain written to ${artifact.path}; define it with: virsh define ${artifact.path}` : `libvirt domain planned at ${artifact.path} (dry run: nothing written; add --out DIR to keep it)`,
    { path: artifact.path, written, domainType: domain.domainType, media: media.length },
    artifact.path,
  );
}
