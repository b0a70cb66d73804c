import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { renderAutounattend } from "../dist/autounattend.js";
import { encodeAccountPassword } from "../dist/password.js";
import { run, schemaPath, tempDir, toolGate } from "./support.mjs";

const base = {
  edition: "pro",
  uiLanguage: "en-US",
  locale: "de-DE",
  timeZone: "W. Europe Standard Time",
  computerName: "WIN11",
  productKey: "W269N-WFGWX-YVC9B-4J6C9-T83GX",
  admin: { name: "vmadmin", password: "s3cret!", fullName: "VM Administrator" },
};

const xmllint = toolGate("xmllint");

async function validate(xml) {
  const path = join(await tempDir(), "autounattend.xml");
  await writeFile(path, xml);
  return { path, result: run("xmllint", ["--noout", "--schema", schemaPath, path]) };
}

/** The text of the elements an XPath names (local names: the default namespace has no prefix). */
function xpath(path, expression) {
  return run("xmllint", ["--xpath", expression, path]).stdout.replace(/\n$/, "");
}

describe("autounattend.xml", () => {
  it("uses the unattend namespace and the three passes, in order, with their components", () => {
    const xml = renderAutounattend(base);
    assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http:\/\/schemas\.microsoft\.com\/WMIConfig\/2002\/State">/);
    const passes = [...xml.matchAll(/<settings pass="(\w+)">/g)].map((match) => match[1]);
    assert.deepEqual(passes, ["windowsPE", "specialize", "oobeSystem"]);
    const components = [...xml.matchAll(/<settings pass="(\w+)">|<component name="([\w-]+)"/g)].map((match) => match[1] ?? match[2]);
    assert.deepEqual(components, [
      "windowsPE", "Microsoft-Windows-International-Core-WinPE", "Microsoft-Windows-PnpCustomizationsWinPE", "Microsoft-Windows-Setup",
      "specialize", "Microsoft-Windows-Shell-Setup",
      "oobeSystem", "Microsoft-Windows-International-Core", "Microsoft-Windows-Shell-Setup",
    ]);
    assert.doesNotMatch(xml, /LabConfig|BypassTPMCheck|BypassSecureBootCheck/, "TPM and Secure Boot are real: no bypass");
  });

  it("holds the languages, the edition's image, the key, the GPT layout for UEFI, the account and the time zone", () => {
    const xml = renderAutounattend(base);
    assert.match(xml, /<SetupUILanguage>\s*<UILanguage>en-US<\/UILanguage>/);
    assert.equal([...xml.matchAll(/<InputLocale>de-DE<\/InputLocale>/g)].length, 2);
    assert.match(xml, /<Key>\/IMAGE\/NAME<\/Key>\s*<Value>Windows 11 Pro<\/Value>/);
    assert.match(xml, /<ProductKey>\s*<Key>W269N-WFGWX-YVC9B-4J6C9-T83GX<\/Key>/);
    assert.deepEqual([...xml.matchAll(/<Type>(\w+)<\/Type>/g)].map((match) => match[1]), ["EFI", "MSR", "Primary"]);
    assert.match(xml, /<InstallTo>\s*<DiskID>0<\/DiskID>\s*<PartitionID>3<\/PartitionID>/);
    assert.match(xml, /<Path>E:\\viostor\\w11\\amd64<\/Path>/);
    assert.match(xml, /<ComputerName>WIN11<\/ComputerName>/);
    assert.match(xml, /<Name>vmadmin<\/Name>/);
    assert.match(xml, /<Group>Administrators<\/Group>/);
    assert.match(xml, /<TimeZone>W\. Europe Standard Time<\/TimeZone>/);
  });

  it("never holds the password as written: base64 of UTF-16LE password + \"Password\", PlainText false", () => {
    const xml = renderAutounattend(base);
    assert.ok(!xml.includes("s3cret!"));
    const value = xml.match(/<Password>\s*<Value>([^<]+)<\/Value>\s*<PlainText>false<\/PlainText>/)[1];
    assert.equal(Buffer.from(value, "base64").toString("utf16le"), "s3cret!Password");
    assert.equal(encodeAccountPassword("pw"), "cAB3AFAAYQBzAHMAdwBvAHIAZAA=");
  });

  it("escapes every user value: <, &, ]]>, quotes", { skip: xmllint.skip }, async () => {
    const hostile = `<b>&amp; ]]> "quoted" 'single' </unattend>`;
    const xml = renderAutounattend({ ...base, admin: { ...base.admin, fullName: hostile } });
    assert.ok(!xml.includes(hostile));
    assert.match(xml, /<DisplayName>&lt;b&gt;&amp;amp; \]\]&gt; &quot;quoted&quot; &apos;single&apos; &lt;\/unattend&gt;<\/DisplayName>/);
    const { path, result } = await validate(xml);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(xpath(path, "string(//*[local-name()='DisplayName'])"), hostile);
  });

  it("refuses text XML 1.0 cannot carry instead of writing a broken file", () => {
    assert.throws(() => renderAutounattend({ ...base, admin: { ...base.admin, fullName: "bell\u0007" } }), /XML 1\.0 cannot carry/);
    assert.throws(() => renderAutounattend({ ...base, computerName: "\uD800" }), /XML 1\.0 cannot carry/);
  });

  it("validates against the XSD of the unattend elements it uses, for every edition", { skip: xmllint.skip }, async () => {
    for (const edition of ["pro", "pro-n", "education", "enterprise", "home"]) {
      const { result } = await validate(renderAutounattend({ ...base, edition, admin: { name: "u", password: "p" } }));
      assert.equal(result.status, 0, `${edition}: ${result.stderr}`);
    }
  });

  it("the XSD is strict: an unknown element, a value out of range or a missing pass fails it", { skip: xmllint.skip }, async () => {
    const xml = renderAutounattend(base);
    const broken = [
      xml.replace("<HideEULAPage>true</HideEULAPage>", "<HideEULAPage>true</HideEULAPage><SkipMachineOOBE>true</SkipMachineOOBE>"),
      xml.replace("<ProtectYourPC>3</ProtectYourPC>", "<ProtectYourPC>4</ProtectYourPC>"),
      xml.replace(/<Key>W269N[^<]+<\/Key>/, "<Key>not-a-key</Key>"),
      xml.replace('pass="specialize"', 'pass="auditUser"'),
      xml.replace("urn:schemas-microsoft-com:unattend", "urn:example"),
    ];
    for (const text of broken) {
      const { result } = await validate(text);
      assert.notEqual(result.status, 0, `accepted:\n${text.slice(0, 200)}`);
    }
  });
});
