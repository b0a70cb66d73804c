import { VmforgeError, type Problem } from "@vmforge/kernel";
import type { VmNic } from "@vmforge/plugin-qemu-setup/contract";
import { toCloudYaml } from "./cloud-yaml.js";
import type { LinuxConfig } from "./contract.js";
import { LinuxErrorCode, linuxConfigError } from "./errors.js";
import { buildMetaData, type MetaDataInput } from "./meta-data.js";
import { mergeCloudConfig, type MergeConflict } from "./merge-cloud-config.js";
import { buildNetworkConfig } from "./network-config.js";
import { networkConfigV2Schema } from "./network-config-schema.js";
import { buildCloudConfig, CLOUD_CONFIG_HEADER } from "./user-data.js";
import { assertYamlRoundTrips } from "./yaml-round-trip.js";

/** The `user-data` file: ours, with the user's user_data_file merged in. */
export function renderUserData(config: LinuxConfig): string {
  let cloudConfig = buildCloudConfig(config);
  if (config.userData) {
    const { merged, conflicts } = mergeCloudConfig(cloudConfig, config.userData.config);
    if (conflicts.length > 0) throw conflictError(conflicts, config.userData);
    cloudConfig = merged;
  }
  const body = toCloudYaml(cloudConfig);
  assertYamlRoundTrips("user-data", body, cloudConfig);
  return `${CLOUD_CONFIG_HEADER}\n${body}`;
}

/** The `network-config` file, checked against the version 2 structure before it is written. */
export function renderNetworkConfig(nics: readonly VmNic[]): string {
  const networkConfig = buildNetworkConfig(nics);
  const checked = networkConfigV2Schema.safeParse(networkConfig);
  if (!checked.success) {
    throw new VmforgeError(LinuxErrorCode.generatedInvalid, `The generated network-config does not match netplan version 2: ${checked.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}.`, {
      fix: "This is a bug in @vmforge/plugin-linux-setup (or a NIC in vm_definition it does not expect); report it.",
    });
  }
  const text = toCloudYaml(networkConfig);
  assertYamlRoundTrips("network-config", text, networkConfig);
  return text;
}

/** The `meta-data` file and the instance-id in it. */
export function renderMetaData(input: MetaDataInput): { instanceId: string; metaData: string } {
  const metaData = buildMetaData(input);
  const text = toCloudYaml(metaData);
  assertYamlRoundTrips("meta-data", text, metaData);
  return { instanceId: metaData["instance-id"], metaData: text };
}

function conflictError(conflicts: MergeConflict[], userData: NonNullable<LinuxConfig["userData"]>): VmforgeError {
  const problems: Problem[] = conflicts.map((conflict) => {
    const line = userData.keyLines[conflict.path[0]!];
    return {
      code: LinuxErrorCode.userDataConflict,
      message: `${conflict.path.join(".")} is ${JSON.stringify(conflict.theirs)} in user_data_file but the [linux] table makes it ${JSON.stringify(conflict.ours)}`,
      file: userData.file,
      keyPath: conflict.path.join("."),
      ...(line === undefined ? {} : { line }),
      fix: `Say it in one place: remove ${conflict.path.join(".")} from ${userData.file}, or set it in [linux] instead.`,
    };
  });
  return linuxConfigError(problems, {
    why: "Lists are joined and mappings merged, but two different values for one key would leave one of them silently ignored.",
    fix: "Keep each setting in one place.",
  });
}
