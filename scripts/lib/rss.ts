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

function statusKb(pid: number, field: "VmHWM" | "VmRSS"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function descendants(pid: number): number[] {
  const direct = children(pid);
  return [...direct, ...direct.flatMap(descendants)];
}

/** Largest peak (VmHWM) or current (VmRSS) resident memory of the workerd processes below `pid`, MB. */
export function workerdMemoryMb(pid: number, field: "VmHWM" | "VmRSS" = "VmHWM"): number | null {
  const values = descendants(pid)
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/comm`, "utf8").trim().startsWith("workerd");
      } catch {
        return false;
      }
    })
    .map((p) => statusKb(p, field));
  return values.length ? Math.round(Math.max(...values) / 1024) : null;
}

/** Sample while the children still run: their high-water mark goes with them. */
export function peakRssMb(): { node: number; workerd: number | null } {
  return { node: Math.round(process.resourceUsage().maxRSS / 1024), workerd: workerdMemoryMb(process.pid) };
}
