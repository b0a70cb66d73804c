/**
 * The first word of each command a first-party plugin adds. Installed manifests (`commands`)
 * decide what runs; this list only lets `vmforge resume` without the recovery plugin name the
 * package to install, which no manifest can say.
 */
export const FIRST_PARTY_COMMANDS: Readonly<Record<string, string>> = {
  resume: "@vmforge/plugin-recovery",
  start: "@vmforge/plugin-lifecycle",
  status: "@vmforge/plugin-lifecycle",
  stop: "@vmforge/plugin-lifecycle",
  console: "@vmforge/plugin-lifecycle",
  vfio: "@vmforge/plugin-vfio-configurator",
};
