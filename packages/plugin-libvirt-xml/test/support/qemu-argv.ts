/*
 * Reads a QEMU argument array (ours from qemu-command.json, or libvirt's from domxml-to-native)
 * into what the guest sees: devices with the properties that identify them, CPU, memory and
 * firmware. Plumbing each side places its own way (root ports, monitor, chardevs) is left out.
 */

export interface QemuDevice {
  driver: string;
  props: Record<string, string>;
}

/** QEMU's `driver,key=value,...` with `,,` for a literal comma; or libvirt's JSON form. */
export function parseOptionList(value: string): { head: string; props: Record<string, string> } {
  if (value.startsWith("{")) {
    const json = JSON.parse(value) as Record<string, unknown>;
    const props = Object.fromEntries(Object.entries(json).map(([key, item]) => [key, typeof item === "boolean" ? (item ? "on" : "off") : String(item)]));
    return { head: props.driver ?? props["qom-type"] ?? props.type ?? "", props };
  }
  const parts: string[] = [];
  let current = "";
  for (let index = 0; index < value.length; index++) {
    if (value[index] === ",") {
      if (value[index + 1] === ",") {
        current += ",";
        index++;
        continue;
      }
      parts.push(current);
      current = "";
    } else current += value[index];
  }
  parts.push(current);
  const [head = "", ...rest] = parts;
  const props: Record<string, string> = {};
  for (const part of rest) {
    const equals = part.indexOf("=");
    if (equals > 0) {
      const key = part.slice(0, equals);
      props[key] = props[key] === undefined ? part.slice(equals + 1) : `${props[key]};${part.slice(equals + 1)}`;
    }
  }
  return head.includes("=") ? { head: "", props: { ...props, ...Object.fromEntries([head.split("=") as [string, string]]) } } : { head, props };
}

export function optionValues(argv: readonly string[], option: string): string[] {
  return argv.flatMap((argument, index) => (argument === option && argv[index + 1] !== undefined ? [argv[index + 1]!] : []));
}

export function devices(argv: readonly string[]): QemuDevice[] {
  return optionValues(argv, "-device").map((value) => {
    const { head, props } = parseOptionList(value);
    return { driver: head, props };
  });
}

// pcie-pci-bridge: libvirt puts <shmem> (ivshmem-plain, a conventional PCI device) behind one.
const PLUMBING = new Set(["pcie-root-port", "isa-serial", "usb-host", "pcie-pci-bridge"]);
const BLOCK = new Set(["virtio-blk-pci", "ide-hd", "ide-cd", "scsi-hd", "scsi-cd", "nvme"]);
const NIC = new Set(["virtio-net-pci", "e1000e"]);

/** One line per guest-visible device, sorted: what both command lines must agree on. */
export function deviceSignatures(argv: readonly string[]): string[] {
  return devices(argv)
    .filter((device) => !PLUMBING.has(device.driver))
    .map(({ driver, props }) => {
      if (BLOCK.has(driver)) return `${driver} serial=${props.serial ?? ""}`;
      if (NIC.has(driver)) return `${driver} mac=${props.mac}`;
      if (driver === "vfio-pci") {
        const extras = [props.multifunction === "on" ? "multifunction" : "", props.romfile ? `romfile=${props.romfile}` : "", props["x-vga"] === "on" ? "x-vga" : ""].filter(Boolean);
        return [`vfio-pci host=${props.host}`, ...extras].join(" ");
      }
      if (driver === "virtserialport") return `virtserialport name=${props.name}`;
      return driver;
    })
    .sort();
}

/** Block devices in boot order (by bootindex), named by driver and serial. */
export function bootOrder(argv: readonly string[]): string[] {
  return devices(argv)
    .filter((device) => BLOCK.has(device.driver) && device.props.bootindex !== undefined)
    .sort((a, b) => Number(a.props.bootindex) - Number(b.props.bootindex))
    .map(({ driver, props }) => `${driver} serial=${props.serial ?? ""}`);
}

export function smp(argv: readonly string[]): { sockets: number; cores: number; threads: number } {
  const { props } = parseOptionList(`smp,${optionValues(argv, "-smp")[0]!.replace(/^(\d+)/, "cpus=$1")}`);
  return { sockets: Number(props.sockets), cores: Number(props.cores), threads: Number(props.threads) };
}

export function memoryMiB(argv: readonly string[]): number {
  return Number.parseInt(optionValues(argv, "-m")[0]!, 10);
}

/** Files behind the two pflash units (code, vars): -drive if=pflash (ours) or -blockdev (libvirt's). */
export function pflashFiles(argv: readonly string[]): string[] {
  const drives = optionValues(argv, "-drive")
    .map((value) => parseOptionList(`drive,${value}`).props)
    .filter((props) => props.if === "pflash")
    .map((props) => props.file!);
  const blockdevs = optionValues(argv, "-blockdev")
    .map((value) => parseOptionList(value).props)
    .filter((props) => props["node-name"]?.startsWith("libvirt-pflash") && props["node-name"].endsWith("-storage"))
    .map((props) => props.filename!);
  return [...drives, ...blockdevs];
}

/** Host port forwards of user-mode networking, as `tcp::2222-:22`. */
export function hostForwards(argv: readonly string[]): string[] {
  return optionValues(argv, "-netdev")
    .map((value) => parseOptionList(value))
    .filter(({ head, props }) => head === "user" || props.type === "user")
    .flatMap(({ props }) => (props.hostfwd ?? "").split(";").filter(Boolean))
    .sort();
}

export function secureBootFlash(argv: readonly string[]): boolean {
  return optionValues(argv, "-global").includes("driver=cfi.pflash01,property=secure,value=on");
}

/** How guest RAM is backed by hugepages: "memfd <size>" or "file <size>", or "none". */
export function hugepageBacking(argv: readonly string[]): string {
  for (const value of optionValues(argv, "-object")) {
    const { head, props } = parseOptionList(value);
    if (head === "memory-backend-memfd" && props.hugetlb === "on") return `memfd ${props.hugetlbsize ?? "default"}`;
    if (head === "memory-backend-file" && /huge/.test(props["mem-path"] ?? "")) return "file";
  }
  return "none";
}
