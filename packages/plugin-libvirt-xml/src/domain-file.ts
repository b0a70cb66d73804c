import type { PreflightContext, Problem } from "@vmforge/kernel";
import { DOMAIN_XML_ARTIFACT } from "./contract.js";

/**
 * Before any stage: no file the VM description names ([[disk]] path, base image...) may be the
 * domain.xml this plugin writes in the run folder, or writing it would overwrite that file.
 */
export async function domainFileClashes(ctx: PreflightContext): Promise<Problem[]> {
  const { runFolderClashes } = await import("@vmforge/plugin-qemu-setup");
  return runFolderClashes(ctx, () => [{ name: DOMAIN_XML_ARTIFACT, what: `the libvirt domain (${DOMAIN_XML_ARTIFACT}) that @vmforge/plugin-libvirt-xml writes`, keyPath: ["output", "libvirt_xml"] }]);
}
