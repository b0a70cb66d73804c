/**
 * A run name that can name a file: a VM name (`[a-z0-9][a-z0-9-]*`), or what another plugin
 * names its runs, within these bounds. No `/`, no `..`, no control character.
 */
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isFileSafeRunName(name: string): boolean {
  return RUN_NAME.test(name) && !name.includes("..");
}

export const RUN_NAME_PATTERN = RUN_NAME;
