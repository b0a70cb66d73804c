import { parse } from "yaml";
import { VmforgeError } from "@vmforge/kernel";
import { LinuxErrorCode } from "./errors.js";

/**
 * Reads generated YAML back (YAML 1.1, as cloud-init does) and insists it says exactly what
 * was meant: the last guard that no string of the user's changed type or broke out.
 */
export function assertYamlRoundTrips(what: string, yamlText: string, data: unknown): void {
  let readBack: unknown;
  try {
    readBack = parse(yamlText, { version: "1.1" });
  } catch (error) {
    throw generatedInvalid(what, (error as Error).message);
  }
  if (canonical(readBack) !== canonical(data)) throw generatedInvalid(what, "reading it back gives other data than was written");
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Uint8Array) return { binary: Buffer.from(item).toString("base64") };
    return item;
  });
}

function generatedInvalid(what: string, detail: string): VmforgeError {
  return new VmforgeError(LinuxErrorCode.generatedInvalid, `The generated ${what} is not what was meant: ${detail}.`, {
    why: "Every generated file is read back before it is written, so nothing the guest gets can differ from the config.",
    fix: "This is a bug in @vmforge/plugin-linux-setup; report it with the [linux] table that caused it.",
  });
}
