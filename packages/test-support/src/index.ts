export { all, describeWhen, file, hasTool, itWhen, ovmf, requirement, tool, type Requirement } from "./tools.js";
export { repoRoot, fixturesDir, fixtureHostsDir, referenceDir, examplesDir } from "./paths.js";
export {
  snapshotFromCapture,
  parseIommuGroupListing,
  parseLspciNnk,
  defaultBootVga,
  parseLscpuExtended,
  type LscpuRow,
  type CaptureSnapshotOptions,
  type CaptureSnapshot,
  type CapturedDevice,
} from "./host-snapshot.js";
export { DEBIAN_OVMF_DESCRIPTORS, DEBIAN_OVMF_IMAGES, machineOvmfHostRoot, ovmfHostRoot, writeDebianOvmf } from "./ovmf.js";
export { intelHostBridge, intelPlatform, intelRootPort, intelUhd630, madeHost, teslaT4, type MadeDevice } from "./made-host.js";
export { planPreflight, type PreflightOutcome } from "./preflight.js";
export { serveBytes, serveCut, sha256, startImageServer, type Handler, type ImageServer } from "./http-server.js";
export { i5_9400Host, ryzen2700xHost, twoSocketHost, TOPOLOGY_HOST_GPU } from "./topology-hosts.js";
export { startPrivateLibvirtd, type PrivateLibvirtd } from "./private-libvirtd.js";
