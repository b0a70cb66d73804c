/** The commented [linux] snippet `vmforge init` writes. */
export const linuxConfigTemplate = `# Linux guest (vm.guest = "linux"): cloud-init seed ISO made by @vmforge/plugin-linux-setup.
[linux]
# hostname = "my-vm"                  # default: vm.name; a dotted name sets the FQDN too
# timezone = "UTC"
# packages = ["nginx"]
# runcmd = [["systemctl", "enable", "--now", "nginx"], "echo done > /var/tmp/first-boot"]
# user_data_file = "extra.yaml"       # your own #cloud-config, merged into the generated one

# [[linux.users]]
# name = "dev"
# sudo = true                         # passwordless sudo
# ssh_authorized_keys = ["ssh-ed25519 AAAA... dev@laptop"]
# ssh_authorized_keys_file = "~/.ssh/id_ed25519.pub"   # or a file, relative to this TOML
# password_hash = "$6$..."            # from \`mkpasswd -m sha-512\`; never a plain password
`;
