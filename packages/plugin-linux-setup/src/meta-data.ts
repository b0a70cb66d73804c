import { createHash } from "node:crypto";

export interface MetaDataInput {
  vmName: string;
  localHostname: string;
  userData: string;
  networkConfig: string;
}

/**
 * `iid-<vm>-<16 hex>`: a hash of everything the guest is given, so a changed config gives a
 * new instance-id (cloud-init runs again on next boot) and an unchanged one keeps it.
 */
export function instanceIdOf(input: MetaDataInput): string {
  const hash = createHash("sha256");
  for (const part of ["local-hostname", input.localHostname, "user-data", input.userData, "network-config", input.networkConfig]) {
    hash.update(String(Buffer.byteLength(part)));
    hash.update(":");
    hash.update(part);
  }
  return `iid-${input.vmName}-${hash.digest("hex").slice(0, 16)}`;
}

/** meta-data as data: the two keys NoCloud reads. */
export function buildMetaData(input: MetaDataInput): { "instance-id": string; "local-hostname": string } {
  return { "instance-id": instanceIdOf(input), "local-hostname": input.localHostname };
}
