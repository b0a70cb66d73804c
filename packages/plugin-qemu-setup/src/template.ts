import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of the commented VM template shipped in the package (`templates/vm.toml`). */
export const vmTemplatePath: string = fileURLToPath(new URL("../templates/vm.toml", import.meta.url));

/** The commented VM description `vmforge init` writes: every table of this plugin with its defaults. */
export function vmTemplateToml(): string {
  return readFileSync(vmTemplatePath, "utf8");
}
