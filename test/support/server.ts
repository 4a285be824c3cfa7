/**
 * Runs the real product for tests and benchmarks: `wrangler dev` (workerd, local D1/R2/Durable
 * Objects) as a child process on a free loopback port, with its own state directory.
 * The child leads its own process group, so stopping it also stops the workerd processes it
 * spawned — and only those.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildWebIfStale } from "./web-build.ts";

const root = resolve(import.meta.dirname, "../..");
// Run wrangler's script with the Node running us (22+, from the `node` devDependency under npm
// scripts), not whatever `node` the shell's PATH finds first.
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");

export interface ServerOptions {
  /** Reuse a state directory (a restart); a fresh temporary one by default. */
  stateDir?: string;
  /** Overrides of wrangler.toml [vars], e.g. { TRACE_QUIET_SECONDS: "1" }. */
  vars?: Record<string, string>;
  /** Another wrangler config, e.g. the benchmark's null Worker. */
  config?: string;
}

export interface RunningServer {
  url: string;
  stateDir: string;
  pid: number;
  /** Graceful stop (SIGTERM), waits for the exit. */
  stop(): Promise<void>;
  /** A crash: SIGKILL to the whole process group, no chance to flush anything. */
  kill(): Promise<void>;
  /** Everything the server printed, for diagnosing a failure. */
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done(out) : fail(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

export async function applyMigrations(stateDir: string, config?: string): Promise<void> {
  const configArgs = config ? ["--config", config] : [];
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir, ...configArgs], {
    ...process.env,
    CI: "true",
  });
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "edgetrace-state-"));
  if (!options.config) {
    buildWebIfStale();
    await applyMigrations(stateDir);
  }
  // A free port can be taken by another process between our probe and wrangler's bind (or clash
  // with a port workerd picks for itself): try again on a fresh one rather than fail the test.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort(), stateDir, options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("Address already in use")) throw error;
    }
  }
}

async function launch(port: number, stateDir: string, options: ServerOptions): Promise<RunningServer> {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir];
  args.push("--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG_LEVEL ?? "warn");
  if (options.config) args.push("--config", options.config);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const signalGroup = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // Already gone.
    }
    await exited;
  };
  try {
    await waitUntilUp(url, child, () => output);
  } catch (error) {
    await signalGroup("SIGKILL");
    throw error;
  }
  return {
    url,
    stateDir,
    pid: child.pid as number,
    stop: () => signalGroup("SIGTERM"),
    kill: () => signalGroup("SIGKILL"),
    output: () => output,
  };
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output()}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer on ${url} within 90 s:\n${output()}`);
}
