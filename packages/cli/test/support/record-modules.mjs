// `node --import` this file: every module the process loads is appended to $VMFORGE_MODULE_LOG, one URL a line.
import { register } from "node:module";
import { appendFileSync } from "node:fs";
import { MessageChannel } from "node:worker_threads";

const log = process.env.VMFORGE_MODULE_LOG;
if (log) {
  const { port1, port2 } = new MessageChannel();
  const urls = [];
  port1.on("message", (url) => urls.push(url));
  port1.unref();
  const hooks = "let port; export function initialize(data) { port = data.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }";
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
  process.on("exit", () => appendFileSync(log, urls.map((url) => `${url}\n`).join("")));
}
