/** What the guest prints on its serial console once cloud-init ran our runcmd. */
export const MARKER = "VMFORGE-BOOT-MARKER";
export const USER = "tester";

/*
 * Run by sh as root in cloud-init's final stage; the guest has no ssh-keygen, so the key's
 * fingerprint is computed as OpenSSH does it (SHA-256 of the key blob, unpadded base64) by the
 * guest's python3, from the authorized_keys cloud-init wrote into the user's home.
 */
const FINGERPRINT_PY =
  "import base64,hashlib,sys; k=open(sys.argv[1]).read().split()[1]; print('SHA256:'+base64.b64encode(hashlib.sha256(base64.b64decode(k)).digest()).decode().rstrip('='))";
const MARKER_COMMAND = [
  `home=$(getent passwd ${USER} | cut -d: -f6)`,
  `fp=$(python3 -c "${FINGERPRINT_PY}" "$home/.ssh/authorized_keys" 2>&1)`,
  `echo "${MARKER}|hostname=$(hostname)|id=$(id ${USER} 2>&1)|fingerprint=$fp|END" > /dev/ttyS0`,
].join("; ");

export interface GuestRequest {
  name: string;
  imageUrl: string;
  checksumsUrl: string;
  publicKey: string;
  /** domain.xml too, for `start --libvirt`. */
  libvirt?: boolean;
}

/** The VM description a user would write: the test image, BIOS (extlinux), user networking, no display. */
export function guestToml(request: GuestRequest): string {
  const text = (value: string) => JSON.stringify(value);
  return [
    "[vm]",
    `name = ${text(request.name)}`,
    'guest = "linux"',
    "",
    // One vCPU: the test boots its guests at once on a two-core machine under TCG.
    "[cpu]",
    "cores = 1",
    "",
    "[memory]",
    'size = "1GiB"',
    "",
    "[firmware]",
    'type = "bios"',
    "",
    "[[disk]]",
    `image = ${text(request.imageUrl)}`,
    `checksums = ${text(request.checksumsUrl)}`,
    "",
    "[[network]]",
    'mode = "user"',
    "",
    "[display]",
    'type = "none"',
    "",
    ...(request.libvirt ? ["[output]", "libvirt_xml = true", ""] : []),
    "[linux]",
    `hostname = ${text(request.name)}`,
    `runcmd = [${text(MARKER_COMMAND)}]`,
    "",
    "[[linux.users]]",
    `name = ${text(USER)}`,
    `ssh_authorized_keys = [${text(request.publicKey)}]`,
    "",
  ].join("\n");
}

export interface Marker {
  hostname: string;
  id: string;
  fingerprint: string;
}

/** The marker line in a serial log, or undefined while there is none. */
export function findMarker(serialLog: string): Marker | undefined {
  const match = new RegExp(`${MARKER}\\|hostname=([^|\\r\\n]*)\\|id=([^|\\r\\n]*)\\|fingerprint=([^|\\r\\n]*)\\|END`).exec(serialLog);
  if (!match) return undefined;
  return { hostname: match[1]!, id: match[2]!, fingerprint: match[3]! };
}
