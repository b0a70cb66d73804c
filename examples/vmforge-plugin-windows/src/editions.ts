/**
 * Editions of a Windows 11 installation ISO: the image Setup installs (`/IMAGE/NAME` in
 * install.wim/install.esd, as `dism /Get-ImageInfo` lists them) and the key Setup is given when
 * [windows] has no product_key. The keys are Microsoft's published KMS client setup keys: they
 * select the edition and never activate it (activate with your own key or licence later).
 * Home has no such key: it needs `product_key`.
 */
export const EDITIONS = {
  pro: { imageName: "Windows 11 Pro", genericKey: "W269N-WFGWX-YVC9B-4J6C9-T83GX" },
  "pro-n": { imageName: "Windows 11 Pro N", genericKey: "MH37W-N47XK-V7XM9-C7227-GCQG9" },
  education: { imageName: "Windows 11 Education", genericKey: "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2" },
  enterprise: { imageName: "Windows 11 Enterprise", genericKey: "NPPR9-FWDCX-D2C8J-H872K-2YT43" },
  home: { imageName: "Windows 11 Home", genericKey: null },
} as const satisfies Record<string, { imageName: string; genericKey: string | null }>;

export type Edition = keyof typeof EDITIONS;
export const EDITION_NAMES = Object.keys(EDITIONS) as Edition[];
