import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { singleLineText } from "../user-text.js";

type Display = VmDefinition["display"];

const VIDEO_MODEL = { "virtio-vga": "virtio", "qxl-vga": "qxl", std: "vga", none: "none" } as const;

/**
 * `<graphics>` and `<video>`. QEMU's gtk window has no libvirt equivalent (a libvirt VM runs
 * under a daemon without the user's desktop), so gtk becomes SPICE on the loopback address,
 * which virt-viewer and virt-manager open.
 */
export function displayElements(display: Display, notes: DomainNotes): { graphics?: XmlElement; video?: XmlElement } {
  const video = display.video === "none" && display.type === "none" ? undefined : element({}, { model: videoModel(display.video) });
  if (display.type === "none") return video ? { video } : {};
  if (display.type === "gtk") notes.add("QEMU's gtk window has no libvirt form: the domain gets a SPICE display on 127.0.0.1 (open it with virt-viewer or virt-manager).");
  const type = display.type === "gtk" ? "spice" : display.type;
  const listen = singleLineText("display.listen", display.type === "gtk" ? "127.0.0.1" : (display.listen ?? "127.0.0.1"));
  const port = display.type === "gtk" ? null : display.port;
  const graphics = element(
    { type, port: port ?? undefined, autoport: port === null ? "yes" : "no", listen },
    { listen: element({ type: "address", address: listen }) },
  );
  return video ? { graphics, video } : { graphics };
}

function videoModel(video: Display["video"]): XmlElement {
  const type = VIDEO_MODEL[video];
  return type === "none" ? element({ type }) : element({ type, heads: 1, primary: "yes" });
}
