/** How to add a kernel parameter, said once so every fix reads the same. */
export function addKernelParameter(parameter: string): string {
  return `add \`${parameter}\` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run \`sudo update-grub\` (Fedora: \`sudo grubby --update-kernel=ALL --args="${parameter}"\`), then reboot`;
}

export function removeKernelParameter(parameter: string): string {
  return `remove \`${parameter}\` from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run \`sudo update-grub\`, then reboot`;
}
