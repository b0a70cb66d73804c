import { ExitCode, VmforgeError } from "@vmforge/kernel";

/** Stable error codes of this plugin (documented in the README). */
export const LibvirtXmlErrorCode = {
  /** A user-given string holds a character XML 1.0 cannot carry (control characters, lone surrogates). */
  unrepresentableText: "E_LIBVIRT_XML_UNREPRESENTABLE_TEXT",
  /** sockets x cores x threads differs from the vCPU count. */
  topologyMismatch: "E_LIBVIRT_XML_TOPOLOGY",
  /** More devices of one kind than libvirt's target names or guest PCI slots can address. */
  tooManyDevices: "E_LIBVIRT_XML_TOO_MANY_DEVICES",
  /** A value libvirt's schema does not accept in that place (a disk serial, an interface name). */
  invalidValue: "E_LIBVIRT_XML_INVALID_VALUE",
  /** A UEFI definition without the OVMF code or vars paths. */
  firmwareIncomplete: "E_LIBVIRT_XML_FIRMWARE",
} as const;

export function unrepresentableTextError(field: string, value: string, reason: string): VmforgeError {
  return new VmforgeError(LibvirtXmlErrorCode.unrepresentableText, `${field} cannot be written into domain.xml: ${reason}.`, {
    why: `XML 1.0 (what libvirt reads) has no way to carry that character; the value is ${JSON.stringify(value)}.`,
    fix: `Remove the character from ${field} in the VM's TOML (or rename the file it points to), then run again.`,
    exitCode: ExitCode.usage,
  });
}

export function topologyMismatchError(sockets: number, cores: number, threads: number, vcpus: number): VmforgeError {
  return new VmforgeError(LibvirtXmlErrorCode.topologyMismatch, `CPU topology ${sockets} sockets x ${cores} cores x ${threads} threads = ${sockets * cores * threads}, but the VM has ${vcpus} vCPUs.`, {
    why: "libvirt refuses a domain whose topology does not multiply out to the vCPU count (\"CPU topology doesn't match maximum vcpu count\").",
    fix: "Set [cpu] sockets, cores and threads so that their product is the number of vCPUs you want.",
    exitCode: ExitCode.usage,
  });
}

export function tooManyDevicesError(kind: string, limit: number): VmforgeError {
  return new VmforgeError(LibvirtXmlErrorCode.tooManyDevices, `More than ${limit} ${kind} for one domain.xml.`, {
    why: `The generator names or places at most ${limit} ${kind}.`,
    fix: `Use fewer ${kind} in the VM's TOML.`,
    exitCode: ExitCode.usage,
  });
}

export function firmwareIncompleteError(missing: string): VmforgeError {
  return new VmforgeError(LibvirtXmlErrorCode.firmwareIncomplete, `The VM uses UEFI but its definition has no ${missing}.`, {
    why: "libvirt needs the OVMF code image and the per-VM vars file (or its template) to boot UEFI.",
    fix: "Install OVMF (Debian: `apt install ovmf`) or set [firmware] code and vars in the VM's TOML.",
    exitCode: ExitCode.hostUnfit,
  });
}

export function invalidValueError(field: string, value: string, expected: string): VmforgeError {
  return new VmforgeError(LibvirtXmlErrorCode.invalidValue, `${field} ${JSON.stringify(value)} is not accepted by libvirt: it must be ${expected}.`, {
    why: "libvirt checks the domain XML against its schema and refuses the whole domain for one bad value.",
    fix: `Change ${field} in the VM's TOML to ${expected}.`,
    exitCode: ExitCode.usage,
  });
}
