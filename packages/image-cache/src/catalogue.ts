/** A well-known cloud image: where it is and the checksum file its publisher puts beside it. */
export interface CatalogueImage {
  name: string;
  description: string;
  url: string;
  /** The publisher's checksum file (GNU `hex  name` or BSD `SHA256 (name) = hex`). */
  checksumsUrl: string;
  format: "qcow2";
  arch: "x86_64";
}

/**
 * x86_64 qcow2 cloud images with cloud-init. The Debian and Ubuntu URLs follow the newest
 * build of their release; the Fedora one names a release (Fedora keeps no "latest" link).
 */
export const IMAGE_CATALOGUE: readonly CatalogueImage[] = Object.freeze([
  {
    name: "debian-12",
    description: "Debian 12 (bookworm), generic cloud image",
    url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2",
    checksumsUrl: "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS",
    format: "qcow2",
    arch: "x86_64",
  },
  {
    name: "debian-13",
    description: "Debian 13 (trixie), generic cloud image",
    url: "https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2",
    checksumsUrl: "https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS",
    format: "qcow2",
    arch: "x86_64",
  },
  {
    name: "ubuntu-24.04",
    description: "Ubuntu 24.04 LTS (noble), server cloud image",
    url: "https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.img",
    checksumsUrl: "https://cloud-images.ubuntu.com/releases/24.04/release/SHA256SUMS",
    format: "qcow2",
    arch: "x86_64",
  },
  {
    name: "fedora-42",
    description: "Fedora 42 Cloud Base, generic image",
    url: "https://download.fedoraproject.org/pub/fedora/linux/releases/42/Cloud/x86_64/images/Fedora-Cloud-Base-Generic-42-1.1.x86_64.qcow2",
    checksumsUrl: "https://download.fedoraproject.org/pub/fedora/linux/releases/42/Cloud/x86_64/images/Fedora-Cloud-42-1.1-x86_64-CHECKSUM",
    format: "qcow2",
    arch: "x86_64",
  },
] satisfies CatalogueImage[]);

export function catalogueImage(name: string): CatalogueImage | undefined {
  return IMAGE_CATALOGUE.find((image) => image.name === name);
}

export function catalogueNames(): string[] {
  return IMAGE_CATALOGUE.map((image) => image.name);
}
