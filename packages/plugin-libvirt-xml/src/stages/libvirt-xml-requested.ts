import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "@vmforge/plugin-qemu-setup";

/** The stage runs when the TOML asks for it (`[output] libvirt_xml = true`) or with `--with qemu_setup:generate_libvirt_xml`. */
export function libvirtXmlRequested(ctx: StageContext): boolean {
  return ctx.tryGet(userVmRequestKey)?.output.libvirt_xml === true;
}
