import type { HostRoot } from "@vmforge/kernel";
import { readAttribute } from "./read-log.js";
import type { KvmInfo } from "../contract.js";
import { parseFlag } from "./sysfs-values.js";

/** /dev/kvm, and kvm/kvm_intel/kvm_amd under /sys/module (present whether loaded or built in). */
export async function readKvm(host: HostRoot): Promise<KvmInfo> {
  const [devicePresent, kvm, kvmIntel, kvmAmd, intelNested, amdNested] = await Promise.all([
    host.exists("/dev/kvm"),
    host.exists("/sys/module/kvm"),
    host.exists("/sys/module/kvm_intel"),
    host.exists("/sys/module/kvm_amd"),
    readAttribute(host, "/sys/module/kvm_intel/parameters/nested"),
    readAttribute(host, "/sys/module/kvm_amd/parameters/nested"),
  ]);
  return {
    devicePresent,
    modules: { kvm, kvmIntel, kvmAmd },
    nested: parseFlag(intelNested) ?? parseFlag(amdNested),
  };
}
