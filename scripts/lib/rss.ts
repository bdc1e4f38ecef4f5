/**
 * @module Peak resident memory of this process and of the workerd processes it started (Linux /proc).
 */
import fs from "node:fs";

function children(pid: number): number[] {
  try {
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((t) =>
      fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function descendants(pid: number): number[] {
  const direct = children(pid);
  return [...direct, ...direct.flatMap(descendants)];
}

/** Sample while the children still run: their high-water mark goes with them. */
export function peakRssMb(): { node: number; workerd: number | null } {
  const node = Math.round(process.resourceUsage().maxRSS / 1024);
  const workerd = descendants(process.pid)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim().startsWith("workerd");
      } catch {
        return false;
      }
    })
    .map(hwmKb);
  return { node, workerd: workerd.length ? Math.round(Math.max(...workerd) / 1024) : null };
}
