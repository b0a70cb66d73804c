/** The commented [kubevirt] snippet `vmforge init` writes (all commented: the defaults need no table). */
export const kubevirtConfigTemplate = `# KubeVirt (with [output] kubevirt = true): kubevirt-vm.yaml made by @vmforge/plugin-kubevirt.
# [kubevirt]
# namespace = "vms"                   # default: kubectl's current namespace
# run_strategy = "Halted"             # Halted | Always | Manual | RerunOnFailure | Once
# storage_class = "fast-ssd"          # for the DataVolumes; default: the cluster's default class
# [kubevirt.claims]
# disk0 = "my-root-disk"              # an existing PersistentVolumeClaim for the first [[disk]]
`;
