import { parse } from "yaml";

/** What in a #cloud-config makes it a secret; each found is named in the note. */
const SECRET_KEYS: Readonly<Record<string, string>> = {
  passwd: "a password hash (passwd)",
  hashed_passwd: "a password hash (hashed_passwd)",
  plain_text_passwd: "a plain password (plain_text_passwd)",
  password: "a password (password)",
  chpasswd: "passwords (chpasswd)",
};
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Why the user-data should not sit in the VirtualMachine (readable by anyone who may read VMs):
 * password hashes, plain passwords, private keys. Empty: nothing secret found.
 */
export function userDataSecrets(userData: string): string[] {
  const found = new Set<string>();
  if (PRIVATE_KEY.test(userData)) found.add("a private key");
  let document: unknown;
  try {
    document = parse(userData);
  } catch {
    // Not YAML we can read: treat it as secret rather than guess.
    found.add("user-data that could not be read as YAML");
    return [...found];
  }
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        const reason = SECRET_KEYS[key];
        if (reason !== undefined && inner !== null && inner !== false && inner !== "") found.add(reason);
        if (key.endsWith("_private")) found.add(`a private key (${key})`);
        walk(inner);
      }
    }
  };
  walk(document);
  return [...found];
}

export interface CloudInitParts {
  disk: Record<string, unknown>;
  volume: Record<string, unknown>;
  /** The Secret (a Kubernetes v1 Secret) when the user-data holds secrets or either file is too long to sit inline. */
  secret: Record<string, unknown> | null;
  /** Why the Secret is there: what secrets the user-data holds, or which file is too long. */
  reasons: string[];
}

export const CLOUD_INIT_VOLUME = "cloudinitdisk";
/** KubeVirt's admission webhook refuses longer inline userData or networkData ("Should use UserDataSecretRef for larger data"). */
export const INLINE_MAX_BYTES = 2048;

/**
 * The NoCloud data as a volume: inline, or from a Secret (`secretRef` for the user-data,
 * `networkDataSecretRef` for the network-config) when the user-data holds secrets or a file is
 * longer than KubeVirt takes inline.
 */
export function cloudInitParts(vmName: string, namespace: string | undefined, userData: string, networkConfig: string): CloudInitParts {
  const disk = { name: CLOUD_INIT_VOLUME, disk: { bus: "virtio" } };
  const found = userDataSecrets(userData);
  const userTooLong = Buffer.byteLength(userData, "utf8") > INLINE_MAX_BYTES;
  const networkTooLong = Buffer.byteLength(networkConfig, "utf8") > INLINE_MAX_BYTES;
  const userInSecret = found.length > 0 || userTooLong;
  const reasons = [
    ...found.map((what) => `user-data with ${what}`),
    ...(userTooLong ? [`user-data longer than the ${INLINE_MAX_BYTES} bytes KubeVirt takes inline`] : []),
    ...(networkTooLong ? [`network-config longer than the ${INLINE_MAX_BYTES} bytes KubeVirt takes inline`] : []),
  ];
  if (!userInSecret && !networkTooLong) {
    return { disk, volume: { name: CLOUD_INIT_VOLUME, cloudInitNoCloud: { userData, networkData: networkConfig } }, secret: null, reasons: [] };
  }
  const name = `${vmName}-cloud-init`;
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), labels: { "app.kubernetes.io/managed-by": "vmforge" } },
    type: "Opaque",
    // KubeVirt reads the key "userdata" of the Secret secretRef names, "networkdata" of networkDataSecretRef's.
    stringData: { ...(userInSecret ? { userdata: userData } : {}), ...(networkTooLong ? { networkdata: networkConfig } : {}) },
  };
  const source = {
    ...(userInSecret ? { secretRef: { name } } : { userData }),
    ...(networkTooLong ? { networkDataSecretRef: { name } } : { networkData: networkConfig }),
  };
  return { disk, volume: { name: CLOUD_INIT_VOLUME, cloudInitNoCloud: source }, secret, reasons };
}
