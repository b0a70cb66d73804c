import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { all, describeWhen, referenceDir, tool } from "@vmforge/test-support";
import { cloudInitMetaDataKey, cloudInitUserDataKey } from "../src/contract.js";
import { runLinuxStages } from "./support/run-linux-stages.js";
import { nic, userVmRequest, vmDefinition } from "./support/session-values.js";
import { readSeedWithNoCloud } from "./support/tools.js";

const realTools = all(tool("cloud-init", "cloud-init"), tool("xorriso", "xorriso"));
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";

describeWhen(realTools)("cloud-init's own NoCloud datasource reading our seed", () => {
  it("reads the reference seed (a check of the harness)", async () => {
    const view = await readSeedWithNoCloud(join(referenceDir, "seed.iso"));
    expect(view).toMatchObject({ found: true, instance_id: "iid-probe-001", hostname: "probe-host", user_data_type: "text/cloud-config" });
    expect(view.interfaces).toEqual([{ name: "eth0", mac_address: "52:54:00:12:34:56", subnets: ["dhcp4"] }]);
  });

  it("finds our instance-id, host name, #cloud-config and one DHCP interface per NIC", async () => {
    const linux = { hostname: "web-1.example.com", timezone: "UTC", packages: ["nginx"], users: [{ name: "dev", sudo: true, ssh_authorized_keys: [KEY], gecos: "Dév \"Ops\" # 1 - yes" }] };
    const nics = [nic(0, "52:54:00:12:34:56"), nic(1, "52:54:00:ab:cd:ef")];
    const { kernel, outputDir } = await runLinuxStages({ request: userVmRequest({ linux }), definition: vmDefinition({ nics }) });
    const view = await readSeedWithNoCloud(join(outputDir!, "seed.iso"));
    expect(view.found).toBe(true);
    expect(view.instance_id).toBe(kernel.session.get(cloudInitMetaDataKey)!.instanceId);
    expect(view.hostname).toBe("web-1");
    expect(view.user_data_type).toBe("text/cloud-config");
    expect(view.user_data_raw).toBe(kernel.session.get(cloudInitUserDataKey)!.userData);
    expect(view.cloud_config).toMatchObject({ hostname: "web-1", fqdn: "web-1.example.com", timezone: "UTC", users: [{ name: "dev", gecos: "Dév \"Ops\" # 1 - yes", ssh_authorized_keys: [KEY] }] });
    expect(view.interfaces).toEqual([
      { name: "eth0", mac_address: "52:54:00:12:34:56", subnets: ["dhcp4"] },
      { name: "eth1", mac_address: "52:54:00:ab:cd:ef", subnets: ["dhcp4"] },
    ]);
  });
});
