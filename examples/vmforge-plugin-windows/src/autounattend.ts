import { EDITIONS, type Edition } from "./editions.js";
import { encodeAccountPassword } from "./password.js";
import { el, serializeXml, type XmlNode } from "./xml.js";

export interface AnswerFileInput {
  edition: Edition;
  uiLanguage: string;
  locale: string;
  timeZone: string;
  computerName: string;
  /** The user's key, else the edition's generic setup key. */
  productKey: string;
  admin: { name: string; password: string; fullName?: string };
}

const UNATTEND_NS = "urn:schemas-microsoft-com:unattend";
const WCM_NS = "http://schemas.microsoft.com/WMIConfig/2002/State";
/**
 * Drive letters the virtio-win ISO may get in Windows PE: the CD-ROMs are lettered in the order
 * Setup finds them, so each driver folder is listed under each; Setup skips paths that are not there.
 */
const VIRTIO_LETTERS = ["D", "E", "F", "G"];
/** viostor: virtio-blk disks (the system disk); NetKVM: virtio-net. */
const VIRTIO_DRIVERS = ["viostor", "NetKVM"];

/** The `component` element every setting lives in: amd64, the Microsoft public key token, neutral. */
function component(name: string, children: XmlNode[]): XmlNode {
  return el("component", children, { name, processorArchitecture: "amd64", publicKeyToken: "31bf3856ad364e35", language: "neutral", versionScope: "nonSxS" });
}

function listItem(name: string, children: XmlNode[], keyValue?: string): XmlNode {
  return el(name, children, { "wcm:action": "add", ...(keyValue !== undefined ? { "wcm:keyValue": keyValue } : {}) });
}

function locales(input: AnswerFileInput): XmlNode[] {
  return [el("InputLocale", input.locale), el("SystemLocale", input.locale), el("UILanguage", input.uiLanguage), el("UserLocale", input.locale)];
}

/** windowsPE: languages, the virtio drivers, a GPT disk for UEFI (EFI, MSR, Windows), the edition and the key. */
function windowsPePass(input: AnswerFileInput): XmlNode {
  const driverPaths = VIRTIO_LETTERS.flatMap((letter) => VIRTIO_DRIVERS.map((driver) => `${letter}:\\${driver}\\w11\\amd64`));
  const partition = (order: number, fields: XmlNode[]) => listItem("CreatePartition", [el("Order", String(order)), ...fields]);
  const modify = (order: number, fields: XmlNode[]) => listItem("ModifyPartition", [el("Order", String(order)), el("PartitionID", String(order)), ...fields]);
  return el(
    "settings",
    [
      component("Microsoft-Windows-International-Core-WinPE", [el("SetupUILanguage", [el("UILanguage", input.uiLanguage)]), ...locales(input)]),
      component("Microsoft-Windows-PnpCustomizationsWinPE", [
        el(
          "DriverPaths",
          driverPaths.map((path, index) => listItem("PathAndCredentials", [el("Path", path)], String(index + 1))),
        ),
      ]),
      component("Microsoft-Windows-Setup", [
        el("DiskConfiguration", [
          listItem("Disk", [
            el("CreatePartitions", [
              partition(1, [el("Type", "EFI"), el("Size", "260")]),
              partition(2, [el("Type", "MSR"), el("Size", "16")]),
              partition(3, [el("Type", "Primary"), el("Extend", "true")]),
            ]),
            el("ModifyPartitions", [
              modify(1, [el("Label", "System"), el("Format", "FAT32")]),
              modify(2, []),
              modify(3, [el("Label", "Windows"), el("Letter", "C"), el("Format", "NTFS")]),
            ]),
            el("DiskID", "0"),
            el("WillWipeDisk", "true"),
          ]),
        ]),
        el("ImageInstall", [
          el("OSImage", [
            el("InstallFrom", [listItem("MetaData", [el("Key", "/IMAGE/NAME"), el("Value", EDITIONS[input.edition].imageName)])]),
            el("InstallTo", [el("DiskID", "0"), el("PartitionID", "3")]),
          ]),
        ]),
        el("UserData", [el("ProductKey", [el("Key", input.productKey), el("WillShowUI", "OnError")]), el("AcceptEula", "true")]),
      ]),
    ],
    { pass: "windowsPE" },
  );
}

function specializePass(input: AnswerFileInput): XmlNode {
  return el("settings", [component("Microsoft-Windows-Shell-Setup", [el("ComputerName", input.computerName)])], { pass: "specialize" });
}

/** oobeSystem: languages, no OOBE questions, the administrator account, the time zone. */
function oobeSystemPass(input: AnswerFileInput): XmlNode {
  const { admin } = input;
  const account = listItem("LocalAccount", [
    el("Password", [el("Value", encodeAccountPassword(admin.password)), el("PlainText", "false")]),
    ...(admin.fullName !== undefined ? [el("DisplayName", admin.fullName)] : []),
    el("Group", "Administrators"),
    el("Name", admin.name),
  ]);
  return el(
    "settings",
    [
      component("Microsoft-Windows-International-Core", locales(input)),
      component("Microsoft-Windows-Shell-Setup", [
        el("OOBE", [
          el("HideEULAPage", "true"),
          el("HideLocalAccountScreen", "true"),
          el("HideOEMRegistrationScreen", "true"),
          el("HideOnlineAccountScreens", "true"),
          el("HideWirelessSetupInOOBE", "true"),
          el("ProtectYourPC", "3"),
        ]),
        el("UserAccounts", [el("LocalAccounts", [account])]),
        el("TimeZone", input.timeZone),
      ]),
    ],
    { pass: "oobeSystem" },
  );
}

/** autounattend.xml for an unattended Windows 11 install on a UEFI VM with a virtio disk. */
export function renderAutounattend(input: AnswerFileInput): string {
  return serializeXml(el("unattend", [windowsPePass(input), specializePass(input), oobeSystemPass(input)], { xmlns: UNATTEND_NS, "xmlns:wcm": WCM_NS }));
}
