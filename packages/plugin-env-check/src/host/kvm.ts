import type { HostRoot } from "@vmforge/kernel";
import { readAttribute } from "./read-log.js";
import type { KvmInfo } from "../contract.js";
import { readModuleFacts } from "./modules.js";
import { parseFlag } from "./sysfs-values.js";

/** /dev/kvm, and whether the kernel has kvm/kvm_intel/kvm_amd (by the package's one module rule). */
export async function readKvm(host: HostRoot): Promise<KvmInfo> {
  const [devicePresent, modules, intelNested, amdNested] = await Promise.all([
    host.exists("/dev/kvm"),
    readModuleFacts(host, ["kvm", "kvm_intel", "kvm_amd"]),
    readAttribute(host, "/sys/module/kvm_intel/parameters/nested"),
    readAttribute(host, "/sys/module/kvm_amd/parameters/nested"),
  ]);
  return {
    devicePresent,
    modules: { kvm: modules.present.has("kvm"), kvmIntel: modules.present.has("kvm_intel"), kvmAmd: modules.present.has("kvm_amd") },
    nested: parseFlag(intelNested) ?? parseFlag(amdNested),
  };
}
