import type { LinuxConfig, LinuxUserConfig } from "./contract.js";

export const CLOUD_CONFIG_HEADER = "#cloud-config";
export const PASSWORDLESS_SUDO = "ALL=(ALL) NOPASSWD:ALL";
const DEFAULT_SHELL = "/bin/bash";

/** The #cloud-config of a resolved [linux] table, as data; only keys cloud-init's schema knows. */
export function buildCloudConfig(config: LinuxConfig): Record<string, unknown> {
  const cloudConfig: Record<string, unknown> = {
    hostname: config.hostname,
    ...(config.fqdn ? { fqdn: config.fqdn } : {}),
    manage_etc_hosts: true,
  };
  if (config.timezone) cloudConfig.timezone = config.timezone;
  // Without users, cloud-init creates the image's default user; with them, exactly these.
  if (config.users.length > 0) cloudConfig.users = config.users.map(cloudInitUser);
  if (config.packages.length > 0) cloudConfig.packages = [...config.packages];
  if (config.runcmd.length > 0) cloudConfig.runcmd = config.runcmd.map((command) => (Array.isArray(command) ? [...command] : command));
  return cloudConfig;
}

function cloudInitUser(user: LinuxUserConfig): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: user.name };
  if (user.gecos !== null) entry.gecos = user.gecos;
  entry.shell = user.shell ?? DEFAULT_SHELL;
  if (user.groups.length > 0) entry.groups = [...user.groups];
  if (user.sudo) entry.sudo = PASSWORDLESS_SUDO;
  if (user.passwordHash !== null) {
    entry.lock_passwd = false;
    entry.passwd = user.passwordHash;
  } else {
    entry.lock_passwd = true;
  }
  if (user.sshAuthorizedKeys.length > 0) entry.ssh_authorized_keys = [...user.sshAuthorizedKeys];
  return entry;
}
