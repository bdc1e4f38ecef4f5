/**
 * @module One Durable Object per workflow (analysis, refresh, re-evaluation). Its storage holds the
 * workflow's live state; D1's `workflows` row is the listing copy. The step machinery driven by
 * the alarm arrives with the analysis workflow; until then the object only reports its state.
 */
import { DurableObject } from "cloudflare:workers";

export interface WorkflowSnapshot {
  id: string;
  started: boolean;
}

export class WorkflowObject extends DurableObject<Env> {
  async snapshot(): Promise<WorkflowSnapshot> {
    const started = (await this.ctx.storage.get<boolean>("started")) ?? false;
    return { id: this.ctx.id.toString(), started };
  }
}
