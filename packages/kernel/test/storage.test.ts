import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { StorageManager } from "../src/index.js";

describe("storage paths", () => {
  it("puts the cache at VMFORGE_CACHE_HOME, else $XDG_CACHE_HOME/vmforge, else ~/.cache/vmforge", () => {
    expect(new StorageManager({ HOME: "/home/ada" }).userCachePath("images")).toBe("/home/ada/.cache/vmforge/images");
    expect(new StorageManager({ HOME: "/home/ada", XDG_CACHE_HOME: "/xdg/cache" }).userCachePath("images")).toBe("/xdg/cache/vmforge/images");
    expect(new StorageManager({ HOME: "/home/ada", XDG_CACHE_HOME: "relative/cache" }).userCachePath()).toBe("/home/ada/.cache/vmforge");
    expect(new StorageManager({ HOME: "/home/ada", XDG_CACHE_HOME: "/xdg/cache", VMFORGE_CACHE_HOME: "/srv/cache" }).userCachePath("images")).toBe("/srv/cache/images");
    expect(new StorageManager({ HOME: "/home/ada", VMFORGE_CACHE_HOME: "" }).userCachePath()).toBe("/home/ada/.cache/vmforge");
  });

  it("follows XDG defaults below HOME", () => {
    const storage = new StorageManager({ HOME: "/home/ada" });
    expect(storage.userConfigPath()).toBe("/home/ada/.config/vmforge");
    expect(storage.userDataPath()).toBe("/home/ada/.local/share/vmforge");
  });

  it("uses XDG_CONFIG_HOME and XDG_DATA_HOME when set", () => {
    const storage = new StorageManager({ HOME: "/home/ada", XDG_CONFIG_HOME: "/xdg/config", XDG_DATA_HOME: "/xdg/data" });
    expect(storage.userConfigPath()).toBe("/xdg/config/vmforge");
    expect(storage.userDataPath()).toBe("/xdg/data/vmforge");
  });

  it("lets VMFORGE_CONFIG_HOME and VMFORGE_DATA_HOME override everything, used as given", () => {
    const storage = new StorageManager({ HOME: "/home/ada", XDG_CONFIG_HOME: "/xdg/config", XDG_DATA_HOME: "/xdg/data", VMFORGE_CONFIG_HOME: "/srv/vmf/config", VMFORGE_DATA_HOME: "/srv/vmf/data" });
    expect(storage.userConfigPath()).toBe("/srv/vmf/config");
    expect(storage.userDataPath()).toBe("/srv/vmf/data");
  });

  it("overrides config and data independently", () => {
    const storage = new StorageManager({ HOME: "/home/ada", VMFORGE_DATA_HOME: "/srv/data" });
    expect(storage.userConfigPath()).toBe("/home/ada/.config/vmforge");
    expect(storage.userDataPath()).toBe("/srv/data");
  });

  it("treats empty variables as unset", () => {
    const storage = new StorageManager({ HOME: "/home/ada", XDG_CONFIG_HOME: "", VMFORGE_DATA_HOME: "" });
    expect(storage.userConfigPath()).toBe("/home/ada/.config/vmforge");
    expect(storage.userDataPath()).toBe("/home/ada/.local/share/vmforge");
  });

  it("ignores a relative XDG_* value, as the XDG specification asks", () => {
    const storage = new StorageManager({ HOME: "/home/ada", XDG_CONFIG_HOME: "relative/config", XDG_DATA_HOME: "./data" });
    expect(storage.userConfigPath()).toBe("/home/ada/.config/vmforge");
    expect(storage.userDataPath()).toBe("/home/ada/.local/share/vmforge");
  });

  it("falls back to the user's home folder when HOME is unset or empty", () => {
    expect(new StorageManager({}).userConfigPath()).toBe(`${homedir()}/.config/vmforge`);
    expect(new StorageManager({ HOME: "" }).userDataPath()).toBe(`${homedir()}/.local/share/vmforge`);
  });

  it("joins segments below the folders", () => {
    const storage = new StorageManager({ HOME: "/home/ada" });
    expect(storage.userConfigPath("vm.toml")).toBe("/home/ada/.config/vmforge/vm.toml");
    expect(storage.userDataPath("vms", "web-1")).toBe("/home/ada/.local/share/vmforge/vms/web-1");
  });
});
