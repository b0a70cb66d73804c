/** The [windows] snippet `vmforge init` adds to its template. */
export const windowsConfigTemplate = `# [windows] is read when [vm] guest = "windows" (vmforge-plugin-windows): an unattended
# Windows 11 install with UEFI, Secure Boot and a TPM 2.0.
# [windows]
# install_iso = "Win11_24H2_English_x64.iso"   # required; relative paths start at this file's folder
# virtio_iso = "virtio-win.iso"                # required: storage and network drivers for Setup
# edition = "pro"                              # pro | pro-n | education | enterprise | home (home needs product_key)
# ui_language = "en-US"                        # a language the ISO holds
# locale = "de-DE"                             # keyboard and formats
# time_zone = "W. Europe Standard Time"        # a Windows time zone id (tzutil /l)
# computer_name = "WIN11"                      # default: from vm.name, at most 15 characters
# product_key = "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX" # default: the edition's generic setup key (no activation)
# [windows.admin]
# name = "vmadmin"
# password = "change me"                       # stored in autounattend.xml (see the plugin's README)`;
