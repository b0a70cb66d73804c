import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";

/*
 * The session contracts of @vmforge/plugin-linux-setup (additive changes only).
 *
 *   session.linux_config          written by linux_setup:load_config_toml
 *   session.cloud_init_user_data  written by linux_setup:generate_cloud_init_user
 *   session.cloud_init_meta_data  written by linux_setup:generate_cloud_init_meta
 *   session.cloud_init_seed       written by linux_setup:assemble_cloud_init_iso
 *                                 (which also adds the seed to session.guest_media)
 */

export const linuxUserConfigSchema = z.object({
  name: z.string(),
  sudo: z.boolean(),
  shell: z.string().nullable(),
  groups: z.array(z.string()),
  gecos: z.string().nullable(),
  /** Inline keys first, then those of ssh_authorized_keys_file, duplicates dropped. */
  sshAuthorizedKeys: z.array(z.string()),
  passwordHash: z.string().nullable(),
});

/** The [linux] table resolved: defaults applied, files read. */
export const linuxConfigSchema = z.object({
  /** The short host name (first label). */
  hostname: z.string(),
  /** Set when the configured host name has dots. */
  fqdn: z.string().nullable(),
  timezone: z.string().nullable(),
  packages: z.array(z.string()),
  runcmd: z.array(z.union([z.string(), z.array(z.string())])),
  users: z.array(linuxUserConfigSchema),
  /** The user's own #cloud-config, parsed; merged into the generated one. */
  userData: z
    .object({
      /** Absolute path. */
      file: z.string(),
      config: z.record(z.string(), z.unknown()),
      /** Line of each top-level key in the file, for messages. */
      keyLines: z.record(z.string(), z.number().int().positive()),
    })
    .nullable(),
});
export type LinuxConfig = z.infer<typeof linuxConfigSchema>;
export type LinuxUserConfig = z.infer<typeof linuxUserConfigSchema>;
/** Secret: it holds the users' password hashes. */
export const linuxConfigKey = defineSessionKey<LinuxConfig>("linux_config", linuxConfigSchema, { secret: true });

export const cloudInitUserDataSchema = z.object({
  /** The `user-data` file: `#cloud-config` and one YAML document. */
  userData: z.string().startsWith("#cloud-config\n"),
  /** The `network-config` file: netplan version 2. */
  networkConfig: z.string(),
});
export type CloudInitUserData = z.infer<typeof cloudInitUserDataSchema>;
/** Secret: user-data carries the users' password hashes (`passwd`). */
export const cloudInitUserDataKey = defineSessionKey<CloudInitUserData>("cloud_init_user_data", cloudInitUserDataSchema, { secret: true });

export const cloudInitMetaDataSchema = z.object({
  /** Changes exactly when user-data, network-config or the host name change. */
  instanceId: z.string().regex(/^iid-[a-z0-9-]+$/),
  localHostname: z.string(),
  /** The `meta-data` file. */
  metaData: z.string(),
});
export type CloudInitMetaData = z.infer<typeof cloudInitMetaDataSchema>;
export const cloudInitMetaDataKey = defineSessionKey<CloudInitMetaData>("cloud_init_meta_data", cloudInitMetaDataSchema);

export const cloudInitSeedSchema = z.object({
  /** Absolute path of seed.iso (under --out in a dry run, or only in memory). */
  path: z.string(),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  volumeId: z.literal("cidata"),
  files: z.array(z.string()),
});
export type CloudInitSeed = z.infer<typeof cloudInitSeedSchema>;
export const cloudInitSeedKey = defineSessionKey<CloudInitSeed>("cloud_init_seed", cloudInitSeedSchema);
