import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { WorkflowStatusT } from "../src/workflows/workflow.schemas";
import { nestedHtml, pdfBomb, pdfManyPages, pdfWithText } from "./bombs";
import { api, driveWorkflow, json, newTenantKey, type ErrorBody } from "./helpers";

// Every document here is refused while it is read, before any ATT&CK version is needed.
let key: string;
beforeAll(async () => {
  ({ key } = await newTenantKey("limits"));
});

const send = (path: string, type: string, body: Uint8Array | string) =>
  api(path, key, { method: "POST", headers: { "content-type": type }, body });

async function reportCount(): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM reports").first<{ n: number }>())?.n ?? 0;
}

describe("documents too complex to read", () => {
  it.each([
    ["a PDF whose content inflates to 40 MB", () => pdfBomb(40e6), "application/pdf", /pdf_decoded_bytes.*32 MB/],
    ["a PDF of 501 pages", () => pdfManyPages(501), "application/pdf", /pdf_pages.*501 pages, over the limit of 500/],
    ["HTML 50,000 elements deep", () => nestedHtml(50_000), "text/html", /html_nesting/],
  ])("answers %s with 422 document_too_complex, synchronously", async (_name, make, type, message) => {
    const before = await reportCount();
    const res = await send("/api/v1/analyze", type, await make());
    expect(res.status).toBe(422);
    const { error } = await json<ErrorBody>(res);
    expect(error.code).toBe("document_too_complex");
    expect(error.message).toMatch(message);
    expect(await reportCount()).toBe(before);
  });

  it("points a synchronous caller whose PDF holds more text than the route takes to the workflow", async () => {
    const res = await send("/api/v1/analyze", "application/pdf", await pdfWithText(1_100_000));
    expect(res.status).toBe(422);
    const { error } = await json<ErrorBody>(res);
    expect(error).toMatchObject({ code: "document_too_complex" });
    expect(error.message).toMatch(/text_chars.*1,048,576 characters.*POST \/api\/v1\/analyses/);
  });

  it("ends the workflow of a PDF bomb as failed, with the reason, not retried", async () => {
    const before = await reportCount();
    const res = await send("/api/v1/analyses", "application/pdf", await pdfBomb(40e6));
    expect(res.status).toBe(202);
    const { workflowId } = await json<{ workflowId: string }>(res);
    expect((await driveWorkflow(workflowId)).status).toBe("failed");
    const status = await json<WorkflowStatusT>(await api(`/api/v1/analyses/${workflowId}`, key));
    expect(status).toMatchObject({ status: "failed", reportId: null });
    expect(status.error).toMatch(/^document too complex \(pdf_decoded_bytes\)/);
    expect(status.steps.filter((s) => s.step === "extract")).toHaveLength(1);
    expect(await reportCount()).toBe(before);
  });
});
