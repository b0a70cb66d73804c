import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { itWhen, referenceDir, tool } from "@vmforge/test-support";
import { networkConfigV2Schema } from "../src/network-config-schema.js";
import { renderMetaData, renderNetworkConfig } from "../src/render-cloud-init.js";
import { nic } from "./support/session-values.js";
import { cloudInitKnowsNetworkSchema, pyYamlLoad, tempDir } from "./support/tools.js";
import { execa } from "execa";
import { writeFile } from "node:fs/promises";

const realTools = tool("cloud-init", "cloud-init");
const reference = (name: string) => readFileSync(join(referenceDir, name), "utf8");

/** The shape of a value: keys and types, not the values themselves. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item)]));
  return typeof value;
}

describe("network-config", () => {
  const nics = [nic(0, "52:54:00:12:34:56"), nic(1, "52:54:00:ab:cd:ef")];

  it("has the structure of the reference, one ethernet a NIC matched by its MAC", () => {
    const ours = parse(renderNetworkConfig(nics), { version: "1.1" });
    const theirs = parse(reference("network-config"), { version: "1.1" });
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    const [referenceNic] = Object.values(theirs.ethernets);
    for (const entry of Object.values(ours.ethernets)) expect(shapeOf(entry)).toEqual(shapeOf(referenceNic));
    expect(ours).toEqual({
      version: 2,
      ethernets: {
        net0: { match: { macaddress: "52:54:00:12:34:56" }, "set-name": "eth0", dhcp4: true, dhcp6: false },
        net1: { match: { macaddress: "52:54:00:ab:cd:ef" }, "set-name": "eth1", dhcp4: true, dhcp6: false },
      },
    });
  });

  it("the reference and ours both match the version 2 structure", () => {
    expect(networkConfigV2Schema.safeParse(parse(reference("network-config"), { version: "1.1" })).success).toBe(true);
    expect(networkConfigV2Schema.safeParse(parse(renderNetworkConfig(nics), { version: "1.1" })).success).toBe(true);
    expect(networkConfigV2Schema.safeParse(parse(renderNetworkConfig([]), { version: "1.1" })).data).toEqual({ version: 2, ethernets: {} });
  });

  it("quotes MACs that YAML 1.1 would read as numbers", () => {
    expect(renderNetworkConfig([nic(0, "52:54:00:12:34:56")])).toContain('macaddress: "52:54:00:12:34:56"');
  });

  itWhen(realTools)("PyYAML reads the MACs back as strings", async () => {
    const [read] = await pyYamlLoad([renderNetworkConfig(nics)]);
    expect((read as { value: any }).value.ethernets.net0.match.macaddress).toBe("52:54:00:12:34:56");
  });

  itWhen(realTools)("cloud-init validates it when it can (cloud-init 25 has --schema-type network-config)", async () => {
    if (!(await cloudInitKnowsNetworkSchema())) return;
    const file = join(await tempDir(), "network-config");
    await writeFile(file, renderNetworkConfig(nics));
    const result = await execa("cloud-init", ["schema", "--schema-type", "network-config", "--config-file", file], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });
});

describe("meta-data", () => {
  const input = { vmName: "web-1", localHostname: "web-1", userData: "#cloud-config\nhostname: web-1\n", networkConfig: "version: 2\nethernets: {}\n" };

  it("has the keys and types of the reference", () => {
    const ours = parse(renderMetaData(input).metaData, { version: "1.1" });
    const theirs = parse(reference("meta-data"), { version: "1.1" });
    expect(shapeOf(ours)).toEqual(shapeOf(theirs));
    expect(ours).toEqual({ "instance-id": expect.stringMatching(/^iid-web-1-[0-9a-f]{16}$/), "local-hostname": "web-1" });
  });

  it("instance-id is the same for the same data and changes with any of it", () => {
    const id = renderMetaData(input).instanceId;
    expect(renderMetaData({ ...input }).instanceId).toBe(id);
    expect(renderMetaData({ ...input, userData: `${input.userData}timezone: UTC\n` }).instanceId).not.toBe(id);
    expect(renderMetaData({ ...input, networkConfig: "version: 2\n" }).instanceId).not.toBe(id);
    expect(renderMetaData({ ...input, localHostname: "web-2" }).instanceId).not.toBe(id);
    // Moving bytes from one file to the next is a change too.
    expect(renderMetaData({ ...input, userData: `${input.userData}x` }).instanceId).not.toBe(
      renderMetaData({ ...input, userData: input.userData, networkConfig: `x${input.networkConfig}` }).instanceId,
    );
  });

  itWhen(realTools)("is a valid YAML mapping for cloud-init", async () => {
    const [read] = await pyYamlLoad([renderMetaData(input).metaData]);
    expect((read as { value: unknown }).value).toEqual(parse(renderMetaData(input).metaData));
  });
});
