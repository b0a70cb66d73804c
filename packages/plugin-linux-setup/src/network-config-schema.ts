import { z } from "@vmforge/kernel/zod";

/*
 * The part of netplan's version 2 format that network-config uses here. cloud-init 22.4 has no
 * network-config schema, so the generated file is checked against this one before it is
 * written. Strict: a key outside this subset is a bug in the generator.
 */

const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC_ADDRESS = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const networkConfigV2Schema = z.strictObject({
  version: z.literal(2),
  ethernets: z.record(
    z.string().regex(INTERFACE_NAME),
    z.strictObject({
      match: z.strictObject({ macaddress: z.string().regex(MAC_ADDRESS) }),
      "set-name": z.string().regex(INTERFACE_NAME),
      dhcp4: z.boolean(),
      dhcp6: z.boolean(),
    }),
  ),
});
export type NetworkConfigV2 = z.infer<typeof networkConfigV2Schema>;
