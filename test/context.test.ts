import { beforeAll, describe, expect, it } from "vitest";
import { sentenceContext, sentenceContexts, type Context } from "../src/analysis/context";
import { analyzeText, type AnalysisResult } from "../src/analysis/engine";
import { loadModel, type Model } from "../src/analysis/model";
import { segmentSentences } from "../src/analysis/text";
import { shippedModelData } from "./helpers";

// Sentence context: the classes of cue, each with wordings of its own. The engine's behaviour is
// pinned with the shipped model: denied, advised, imagined or reported behaviour is not asserted,
// and a sentence that asserts despite a negation word still does.
const contextOf = (sentence: string) => sentenceContext(sentence.toLowerCase()).context;

function contextsOf(text: string): { text: string; context: Context }[] {
  const spans = segmentSentences(text);
  return sentenceContexts(text, spans).map((c, i) => ({
    text: text.slice(spans[i]?.start, spans[i]?.end),
    context: c.context,
  }));
}

describe("sentence context", () => {
  it.each([
    ["negated", "Investigators found nothing suggesting that mail rules were altered."],
    ["negated", "At no point did the operators touch the backup servers."],
    ["negated", "Credential theft from the browser was ruled out after reviewing the logs."],
    ["negated", "The intruders never installed a remote access tool."],
    ["negated", "Neither scheduled tasks nor services were created on the host."],
    ["negated", "We lacked any indication of data leaving the network."],
    ["advisory", "Administrators should block outbound SMB at the perimeter."],
    ["advisory", "We recommend enforcing multi-factor authentication on VPN gateways."],
    ["advisory", "Restrict the use of remote management tools to a jump host."],
    ["advisory", "Defenders may want to alert on new services created by remote sessions."],
    ["hypothetical", "An intruder could abuse this setting to run code at every logon."],
    ["hypothetical", "Such access would allow the operator to read every mailbox."],
    ["hypothetical", "In theory, the implant is capable of wiping the master boot record."],
    ["mention_only", "Other groups have been documented abusing the same driver."],
    ["mention_only", "Historically, this crew relied on macro-laden invoices."],
    ["mention_only", "Unlike earlier waves, nothing was encrypted this time."],
    ["negated", "The dropper is incapable of spreading over removable drives."],
    ["advisory", "Blocking outbound RDP at the firewall would stop this kind of brute forcing."],
    [
      "hypothetical",
      "Had the operators obtained domain admin, they could have pushed ransomware through group policy.",
    ],
    ["mention_only", "Ransomware gangs commonly wipe backups before encryption."],
    ["mention_only", "In 2021, a different group was reported to abuse the same print spooler flaw."],
  ] as const)("reads %s in: %s", (expected, sentence) => {
    const got = contextOf(sentence);
    // "Unlike …, nothing was …" is a mention of the past and a denial: either keeps it from asserting.
    if (sentence.startsWith("Unlike")) expect(["mention_only", "negated"]).toContain(got);
    else expect(got).toBe(expected);
  });

  it.each([
    "The operators dumped the SAM hive and copied it to a share.",
    "The loader sleeps for ten minutes to avoid sandboxes.",
    "The script disables Windows Defender to prevent detection of the payload.",
    "The dropper copies itself into the Startup folder to ensure it runs at logon.",
    "Use of PowerShell was widespread during the intrusion.",
    "The operators typically ran their tooling from C:\\ProgramData.",
  ])("reads an asserting sentence as asserting: %s", (sentence) => {
    expect(contextOf(sentence)).toBe("asserts");
  });

  it("scores only the clause that asserts when another one denies or imagines", () => {
    const sentence = "The crew used WinRM for lateral movement, but they did not deploy ransomware.";
    const c = sentenceContext(sentence.toLowerCase());
    expect(c.context).toBe("asserts");
    expect(sentence.slice(c.scope?.start, c.scope?.end)).toBe("The crew used WinRM for lateral movement");
  });

  it("hands a denying lead's context to the list under it, and stops at the next paragraph", () => {
    const text = [
      "Behaviours we did not see in this case:",
      "- T1486 encryption of files",
      "- deletion of volume shadow copies",
      "",
      "The operators moved laterally with remote services.",
    ].join("\n");
    expect(contextsOf(text).map((c) => c.context)).toEqual(["negated", "negated", "negated", "asserts"]);
  });

  it("reads headings, link lines, indicator rows and page furniture as never evidence on their own", () => {
    const text = [
      "## Indicators",
      "",
      "hxxps://files.example.net/update/installer.zip",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "Page 4 of 9",
      "Share this article",
      "",
      "The operators then moved to the file server:",
    ].join("\n");
    expect(contextsOf(text).map((c) => c.context)).toEqual([
      "heading",
      "furniture",
      "furniture",
      "furniture",
      "furniture",
      "asserts",
    ]);
    const section = contextsOf("Mitigations\n\nPatching the VPN appliance closes the hole the intruders used.");
    expect(section.map((c) => c.context)).toEqual(["heading", "advisory"]);
  });

  it.each([
    ["a numbered list under a denying lead", "Ruled out during triage:\n1. Golden Ticket\n2. DCShadow", "negated"],
    ["a table whose cell denies", "| T1070.004 File Deletion | no |", "negated"],
    ["a search answered by a short denial", "We searched every host for T1543.003 but found none.", "negated"],
    ["a fronted purpose before an instruction", "To limit credential theft, turn on LSA protection.", "advisory"],
  ])("reads %s as not asserting", (_, text, expected) => {
    const got = contextsOf(text).filter((c) => c.context !== "fragment");
    expect(got.every((c) => c.context === expected)).toBe(true);
  });

  it("reads a bibliography entry and a 'Related posts:' line as furniture, whatever their length", () => {
    const text = [
      "[7] Example Labs. (2022). How intruders abuse scheduled tasks for persistence. Retrieved May 2, 2023.",
      "Related posts: Ten ways attackers hide in plain sight | Chasing a loader through memory",
    ].join("\n");
    expect(new Set(contextsOf(text).map((c) => c.context))).toEqual(new Set(["furniture"]));
  });

  it("keeps a table row as a row, and a short line as a fragment", () => {
    const text = "T1003.001 | LSASS Memory | procdump\nthe malware ran.\n";
    const spans = segmentSentences(text);
    const got = sentenceContexts(text, spans);
    expect(got[0]).toMatchObject({ tableRow: true, context: "asserts" });
    expect(got[1]).toMatchObject({ context: "fragment", weight: 0 });
  });
});

describe("the engine in context (shipped model)", () => {
  let model: Model;
  beforeAll(async () => {
    model = loadModel(await shippedModelData());
  });
  const has = (r: AnalysisResult, id: string) => r.techniques.some((t) => t.id === id);

  it.each([
    ["T1059.001", "During the whole engagement we saw no PowerShell being executed."],
    ["T1003.001", "Nothing indicates that the intruders read LSASS memory."],
    ["T1486", "Files on the servers were not encrypted."],
    ["T1110", "To stop password guessing, organisations should lock accounts after failed logons."],
    ["T1486", "Techniques that were absent from this intrusion:\n- T1486\n- T1490"],
  ])("does not assert %s from: %s", (id, text) => {
    expect(has(analyzeText(text, model), id)).toBe(false);
  });

  it("asserts from the sentence that asserts, and shows that sentence as evidence", () => {
    const text = [
      "Earlier reports on this family said it never touched LSASS.",
      "In this intrusion, the operators dumped LSASS process memory with ProcDump to harvest credentials.",
    ].join(" ");
    const r = analyzeText(text, model);
    const lsass = r.techniques.find((t) => t.id === "T1003.001");
    expect(lsass?.evidence[0]?.text).toBe(
      "In this intrusion, the operators dumped LSASS process memory with ProcDump to harvest credentials.",
    );
  });

  it("never shows a fragment as evidence: every evidence text is a whole unit of four words or more, an id or a row", () => {
    // A PDF's wrapped lines gone wrong: sentence tails on lines of their own.
    const text = [
      "The operators used a PowerShell script to download the second stage and",
      "run",
      "it.",
      "Credentials were dumped from LSASS memory with ProcDump and reused on other",
      "hosts.",
      "attacks.",
      "T1486",
      "T1021.002 | SMB/Windows Admin Shares | observed",
    ].join("\n");
    const r = analyzeText(text, model);
    expect(r.techniques.length).toBeGreaterThan(0);
    for (const t of r.techniques)
      for (const e of t.evidence) {
        expect(text.slice(e.start, e.end)).toBe(e.text);
        const words = e.text.split(/\s+/).filter(Boolean).length;
        if (words < 4) expect(/^T\d{4}/.test(e.text) || e.text.includes("|")).toBe(true);
      }
    expect(has(r, "T1486")).toBe(true);
  });

  it("does not assert an id a short line denies, nor a technique only its prior supports", () => {
    const r = analyzeText("No T1558.003 (Kerberoasting)\n| T1059.001 PowerShell | not seen |", model);
    expect(has(r, "T1558.003")).toBe(false);
    expect(has(r, "T1059.001")).toBe(false);
  });

  it("still reads an id in a heading or a table row", () => {
    const r = analyzeText("## T1490 Inhibit System Recovery\n\nT1486 | Data Encrypted for Impact | observed", model);
    expect(has(r, "T1490")).toBe(true);
    expect(has(r, "T1486")).toBe(true);
  });
});
