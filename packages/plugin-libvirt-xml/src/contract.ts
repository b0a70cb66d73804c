import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";

/*
 * The session contract of @vmforge/plugin-libvirt-xml. Changes are additive only.
 *
 *   session.libvirt_domain  value  written by qemu_setup:generate_libvirt_xml
 */

export const libvirtDomainSchema = z.object({
  /** Where domain.xml is (or, in a dry run without --out, would be). */
  path: z.string(),
  /** Whether the file was written ("done") or only planned (a dry run without --out). */
  status: z.enum(["done", "planned", "failed"]),
  /** The domain's type attribute: kvm with KVM, qemu under TCG. */
  domainType: z.enum(["kvm", "qemu"]),
  /** What the person should know about the XML (representations chosen, programs libvirt needs). */
  notes: z.array(z.string()),
});
export type LibvirtDomain = z.infer<typeof libvirtDomainSchema>;

export const libvirtDomainKey = defineSessionKey<LibvirtDomain>("libvirt_domain", libvirtDomainSchema);

/** The artifact's file name in the run's folder. */
export const DOMAIN_XML_ARTIFACT = "domain.xml";
