import type { HostRoot } from "@vmforge/kernel";
import { readAttribute } from "./read-log.js";
import type { NetworkInterface } from "../contract.js";
import { PCI_ADDRESS, linkName, parseInteger } from "./sysfs-values.js";

/**
 * Interfaces of /sys/class/net: bridges (a `bridge` folder, ports in `brif`), the master an
 * interface is enslaved to, and the PCI device behind it. MAC addresses are never read.
 */
export async function readNetworkInterfaces(host: HostRoot): Promise<NetworkInterface[]> {
  const names = await host.list("/sys/class/net");
  return Promise.all(
    names.map(async (name): Promise<NetworkInterface> => {
      const dir = `/sys/class/net/${name}`;
      const [classLink, isBridge, masterLink, operstate, mtu, type, driverLink] = await Promise.all([
        host.readLink(dir),
        host.exists(`${dir}/bridge`),
        host.readLink(`${dir}/master`),
        readAttribute(host, `${dir}/operstate`),
        readAttribute(host, `${dir}/mtu`),
        readAttribute(host, `${dir}/type`),
        host.readLink(`${dir}/device/driver`),
      ]);
      const members = isBridge ? await host.list(`${dir}/brif`) : [];
      // The class link runs through the device's sysfs path: .../0000:00:03.0/virtio2/net/eth0.
      const pathParts = (classLink ?? "").split("/");
      const pciAddress = [...pathParts].reverse().find((part) => PCI_ADDRESS.test(part)) ?? null;
      const virtual = classLink === undefined || classLink.includes("/virtual/");
      const kind = type === "772" || name === "lo" ? "loopback" : isBridge ? "bridge" : virtual ? "virtual" : "physical";
      return {
        name,
        kind,
        bridge: isBridge,
        members,
        master: linkName(masterLink),
        operstate: operstate || null,
        mtu: parseInteger(mtu),
        pciAddress,
        driver: linkName(driverLink),
      };
    }),
  );
}
