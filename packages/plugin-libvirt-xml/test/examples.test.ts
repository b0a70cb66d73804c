import { describe, expect, it } from "vitest";
import { itWhen, tool } from "@vmforge/test-support";
import { renderDomainXml } from "../src/xml/domain.js";
import { exampleDefinitions, seedIso } from "./support/definitions.js";
import { virshDefineOnTestDriver, virtXmlValidate, writeTempXml } from "./support/libvirt-tools.js";

const haveValidator = tool("virt-xml-validate", "libvirt-clients");
const haveVirsh = tool("virsh", "libvirt-clients");

describe.each(exampleDefinitions)("$name", ({ build }) => {
  const definition = build();
  const withSeed = () => renderDomainXml({ definition, media: [seedIso(definition.runDir)] }).xml;

  itWhen(haveValidator)("passes virt-xml-validate (libvirt's schema)", async () => {
    const result = await virtXmlValidate(await writeTempXml(renderDomainXml({ definition }).xml));
    expect(result.output).toContain("validates");
    expect(result.exitCode).toBe(0);
  });

  itWhen(haveValidator)("passes virt-xml-validate with a cloud-init seed attached", async () => {
    const result = await virtXmlValidate(await writeTempXml(withSeed()));
    expect(result.exitCode, result.output).toBe(0);
  });

  itWhen(haveVirsh)("is accepted by libvirt's parser (virsh define --validate on the test driver)", async () => {
    const result = await virshDefineOnTestDriver(await writeTempXml(withSeed()));
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain(`Domain '${definition.name}' defined`);
  });
});
