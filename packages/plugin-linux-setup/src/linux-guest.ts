/** The `vm.guest` value this plugin prepares. */
export const LINUX_GUEST = "linux";
