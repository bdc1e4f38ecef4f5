import { beforeAll, describe, expect, it } from "vitest";
import { adaptModel } from "../src/analysis/adapt";
import {
  analyzeText,
  candidateConfidence,
  collectEvidence,
  type AnalysisResult,
  type Candidate,
} from "../src/analysis/engine";
import { lbfgs, trainHead } from "../src/analysis/head";
import { mineLexicon } from "../src/analysis/lexicon";
import { featureIndex, loadModel, type Model, type ModelData } from "../src/analysis/model";
import { blocksRow, featureBlocks, hashString, stem, Tokens } from "../src/analysis/features";
import { STACKER_FEATURES, stackerProbability, trainStacker, withHead } from "../src/analysis/stacker";
import { SentenceScorer } from "../src/analysis/scorer";
import { segmentSentences } from "../src/analysis/text";
import { mulberry32, trainModel, type TrainingExample } from "../src/analysis/train";
import { shippedModelData } from "./helpers";

// Behaviour of the engine with the shipped model on small real sentences: which techniques and
// why, not exact scores (those move whenever the model is rebuilt).
let model: Model;
let modelData: ModelData;
beforeAll(async () => {
  modelData = await shippedModelData();
  model = loadModel(modelData);
});

const ids = (r: AnalysisResult) => r.techniques.map((t) => t.id);
const find = (r: AnalysisResult, id: string) => r.techniques.find((t) => t.id === id);

describe("explicit ATT&CK ids", () => {
  it("asserts an id written in the text, in either spelling, with that text as evidence", () => {
    const text = "Initial access used T1566.001. Execution relied on T1059/001 scripts.";
    const r = analyzeText(text, model);
    expect(find(r, "T1566.001")).toMatchObject({
      method: "explicit_id",
      evidence: [expect.objectContaining({ text: "Initial access used T1566.001." })],
    });
    expect(find(r, "T1059.001")?.method).toBe("explicit_id");
    for (const t of r.techniques) for (const e of t.evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
  });

  it("maps a revoked id to its successor and says so", () => {
    const r = analyzeText("The loader abused T1574.002 on every host.", model);
    expect(ids(r)).not.toContain("T1574.002");
    expect(find(r, "T1574.001")?.note).toMatch(/T1574\.002.*revoked.*T1574\.001/);
  });

  it("reads an id glued to the following word, as PDF tables print them", () => {
    const r = analyzeText("Impact: T1485Data Destruction and T1059.001PowerShell. Ticket T10591 is not one.", model);
    expect(find(r, "T1485")?.method).toBe("explicit_id");
    expect(find(r, "T1059.001")?.method).toBe("explicit_id");
    expect(ids(r)).not.toContain("T1059");
  });

  it("ignores ids that are not techniques", () => {
    // Neither id exists in ATT&CK and nothing else in the sentence describes a technique.
    expect(analyzeText("Ticket T9999 and T12345 were closed.", model).techniques).toEqual([]);
  });
});

describe("behaviour described in words", () => {
  it("names the sub-technique, not only its parent", () => {
    const r = analyzeText(
      "The group sent spearphishing emails with a malicious Excel attachment to finance staff.",
      model,
    );
    expect(ids(r)[0]).toBe("T1566.001");
  });

  it("recognises a technique's name and common phrasings", () => {
    const r = analyzeText(
      "Persistence was achieved with a scheduled task. The implant injected its code into explorer.exe to hide. Credentials were dumped from LSASS memory with Mimikatz.",
      model,
    );
    expect(ids(r)).toEqual(expect.arrayContaining(["T1053.005", "T1055", "T1003.001"]));
  });

  it("finds nothing in text about something else", () => {
    expect(
      analyzeText("The quarterly sales meeting moved to Thursday afternoon in the main hall.", model).techniques,
    ).toEqual([]);
    expect(analyzeText("", model).techniques).toEqual([]);
  });
});

describe("defanged indicators", () => {
  it("reads through defanging and reports evidence in the original text", () => {
    const text = "Stage two was downloaded from hxxp://update-check[.]com/p.exe over HTTP using certutil.";
    const r = analyzeText(text, model);
    expect(r.techniques.length).toBeGreaterThan(0);
    const evidence = r.techniques.flatMap((t) => t.evidence);
    expect(evidence.some((e) => e.text.includes("hxxp://update-check[.]com"))).toBe(true);
    for (const e of evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
  });
});

describe("sentence segmentation", () => {
  it("keeps abbreviations, file names and versions inside sentences", () => {
    const text = "The actor, e.g. APT29, ran cmd.exe v2.1 on Jan. 5. Then it left for J. Smith's host.\nNew line here";
    const spans = segmentSentences(text).map((s) => text.slice(s.start, s.end));
    expect(spans).toEqual([
      "The actor, e.g. APT29, ran cmd.exe v2.1 on Jan. 5.",
      "Then it left for J. Smith's host.",
      "New line here",
    ]);
  });
});

describe("tokens", () => {
  // ASCII words are hashed from their char codes; the model was trained on hashString(stem(word)).
  it("hashes ASCII words exactly as the stemmed lower-cased strings", () => {
    const words = [
      "Executes",
      "EXECUTED",
      "executing",
      "studies",
      "Passes",
      "is",
      "bus",
      "class",
      "agreed",
      "ties",
      "dies",
      "Tasks",
      "x64",
      "Base64",
      "ing",
      "rings",
      "virus",
      "analysis",
      "bring",
      "shed",
    ];
    const tokens = new Tokens().read(words.join(" "), 0, words.join(" ").length);
    expect(tokens.length).toBe(words.length);
    words.forEach((w, t) => {
      expect(tokens.words[t], w).toBe(hashString(w.toLowerCase()) | 0);
      expect(tokens.stems[t], w).toBe(hashString(stem(w.toLowerCase())));
    });
    expect(tokens.stems[1]).toBe(tokens.stems[2]); // executed, executing
  });

  it("grows its buffers for long spans", () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
    const tokens = new Tokens().read(text, 0, text.length);
    expect(tokens.length).toBe(300);
    expect(text.slice(tokens.starts[299], tokens.ends[299])).toBe("word299");
    expect(tokens.words[299]).toBe(hashString("word299") | 0);
  });

  it("counts every feature of a text longer than the token buffers (training reads texts this way)", () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}x`).join(" ");
    const [words, grams] = featureBlocks(text, 4);
    // 300 distinct stems and 299 bigrams, each once.
    expect(words?.keys).toHaveLength(599);
    expect(words?.keys).toContain(hashString("word299x"));
    expect(words?.values.every((v) => v === 1)).toBe(true);
    // " word12x " has length + 2 characters: length − 1 four-grams.
    const expected = Array.from({ length: 300 }, (_, i) => `word${i}x`.length - 1).reduce((a, b) => a + b, 0);
    expect(grams?.values.reduce((a, b) => a + b, 0)).toBe(expected);
    expect(grams?.words).toHaveLength(300);
  });

  it("gives the main model and the report head the same features of one read(), and new ones after the next read()", () => {
    const tokens = new Tokens().read("stealer hooks keyboard", 0, 22);
    const first = tokens.features();
    expect(tokens.features()).toBe(first);
    tokens.read("the dropper fetched a payload from its server", 0, 45);
    expect(tokens.features()).not.toBe(first);
    expect([...tokens.hashes.subarray(0, tokens.features())]).toContain(hashString(stem("payload")));
  });

  it("skips stopwords and numbers, and breaks bigrams at numbers only", () => {
    const features = (text: string) => {
      const tokens = new Tokens().read(text, 0, text.length);
      return [...tokens.hashes.subarray(0, tokens.features())];
    };
    const ps = hashString("powershell");
    const script = hashString("script");
    // Unigram, unigram, then the bigram of the two.
    const plain = features("The PowerShell script");
    expect(plain).toHaveLength(3);
    expect(plain.slice(0, 2)).toEqual([ps, script]);
    expect(features("PowerShell of the script")).toEqual(features("PowerShell script"));
    expect(features("PowerShell 8080 script")).toEqual([ps, script]);
    expect(features("Ünïcode Straße")).toHaveLength(3);
    expect(features("Ünïcode Straße")).toEqual(features("ünïcode straße"));
  });
});

describe("character n-grams (an optional second feature block)", () => {
  it("reads each content word lower-cased, padded by one space, and skips stopwords and numbers", () => {
    const grams = (text: string) => {
      const [, block] = featureBlocks(text, 4);
      return block ? block.keys.flatMap((k, j) => Array<number>(block.values[j] as number).fill(k)) : [];
    };
    // " keylogger " has 11 characters: 8 four-grams.
    expect(grams("keylogger")).toHaveLength(8);
    expect(grams("The KEYLOGGER of 2024")).toEqual(grams("keylogger"));
    expect(grams("ab")).toHaveLength(1);
    expect(new Set(grams("keylogger"))).not.toContain(hashString("keylogger"));
  });

  // A form the training texts never wrote shares most of its n-grams with one they did.
  it("scores a word form unseen in training through the n-grams it shares", () => {
    const examples: TrainingExample[] = [
      ...[
        "The implant installs a keylogger on the victim host.",
        "A keylogger records what the user types.",
        "Its keylogger module captures keystrokes.",
      ].map((text) => ({ text, labels: ["T1056.001"] })),
      ...[
        "The loader downloads a second stage over HTTPS.",
        "It deletes its own files after running.",
        "The actor sent spearphishing emails with attachments.",
      ].map((text) => ({ text, labels: [] })),
    ];
    const options = {
      attackVersion: "test",
      techniques: [{ id: "T1056.001", name: "Keylogging" }],
      revoked: {},
      minDf: 1,
      threshold: 0.1,
    };
    const probe = "A keyloggr component was found."; // misspelt: no word or stem in common
    const p = (charGrams: number) => {
      const model = loadModel(trainModel(examples, { ...options, charGrams, epochs: 30 }));
      return (
        analyzeText(probe, model, { includeBelowThreshold: true }).techniques.find((t) => t.id === "T1056.001")
          ?.confidence ?? 0
      );
    };
    expect(p(0)).toBe(0);
    expect(p(4)).toBeGreaterThan(0.05);
  });
});

describe("the document-level stacker", () => {
  // Rows whose only signal is the best sentence score; group "eager" is labelled more readily than
  // that score says, "reluctant" less, "rare" has two rows.
  const random = mulberry32(7);
  const rows: number[][] = [];
  const labels: number[] = [];
  const groups: string[] = [];
  const add = (group: string, shift: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const s1 = random();
      const row = new Array<number>(STACKER_FEATURES.length).fill(0);
      row[0] = s1;
      rows.push(row);
      labels.push(random() < 1 / (1 + Math.exp(-(6 * s1 - 3 + shift))) ? 1 : 0);
      groups.push(group);
    }
  };
  add("eager", 2, 400);
  add("reluctant", -2, 400);
  add("rare", 0, 2);

  it("learns the shared weights and one calibration offset per technique", () => {
    const { stacker, offsets } = trainStacker(rows, labels, groups);
    expect(stacker.weights[0]).toBeGreaterThan(0);
    expect(offsets.get("eager")).toBeGreaterThan(1);
    expect(offsets.get("reluctant")).toBeLessThan(-1);
    // Two rows say little: the prior keeps the offset near the shared model.
    expect(Math.abs(offsets.get("rare") ?? 99)).toBeLessThan(1);
    const at = (group: string) => stackerProbability(stacker, rows[0] as number[], offsets.get(group));
    expect(at("eager")).toBeGreaterThan(at("reluctant"));
  });

  it("is deterministic", () => {
    expect(trainStacker(rows, labels, groups)).toEqual(trainStacker(rows, labels, groups));
  });
});

describe("carrying the model to another ATT&CK version", () => {
  it("keeps each technique's offset and concept terms, and gives a new technique no offset", () => {
    const base = modelData;
    const {
      model: adapted,
      newTechniques,
      carried,
    } = adaptModel(base, {
      attackVersion: "99.0",
      techniques: [...base.techniques.map(({ id, name }) => ({ id, name })), { id: "T1999", name: "Novel Technique" }],
      revoked: base.revoked,
      textsOf: () => ["Adversaries may frobnicate the registry to persist."],
    });
    expect(newTechniques).toEqual(["T1999"]);
    expect(carried).toEqual([]);
    const before = model;
    const after = loadModel(adapted);
    expect(before.offsets?.some((v) => v !== 0)).toBe(true);
    expect([...(after.offsets ?? [])].slice(0, base.techniques.length)).toEqual([...(before.offsets ?? [])]);
    expect(after.offsets?.[base.techniques.length]).toBe(0);
    // Concept terms are keyed by feature hash and technique id, both kept by the adaptation.
    expect(base.lexicon?.length).toBeGreaterThan(0);
    expect(adapted.lexicon).toEqual(base.lexicon);
  });
});

describe("concept terms", () => {
  const report = (text: string, labels: string[]) => ({ text, labels });
  const ransomware = (i: number) =>
    report(`Report ${i}. The operators deployed ransomware across the network.`, ["T1486"]);

  it("mines a term that goes with a technique in enough reports, precisely enough", () => {
    const reports = [
      ...Array.from({ length: 6 }, (_, i) => ransomware(i)),
      report("A passing mention of ransomware in an unrelated story.", []),
      // Mentioned by three labelled reports only: below the default support of four.
      ...Array.from({ length: 3 }, () => report("The actor used a wiper to destroy disks.", ["T1485"])),
      // Mentioned everywhere, labelled in a few: not precise.
      ...Array.from({ length: 12 }, (_, i) => report("The network was compromised.", i < 4 ? ["T1133"] : [])),
    ];
    // Every term, not only each technique's most precise three (here "operators deployed" and co.).
    const lexicon = mineLexicon(model, reports, { perTechnique: 100 });
    const term = lexicon.find((e) => e.hash === hashString("ransomware"));
    expect(term).toEqual({ hash: hashString("ransomware"), technique: "T1486", precision: 0.75 });
    expect(lexicon.some((e) => e.technique === "T1485")).toBe(false);
    expect(lexicon.some((e) => e.technique === "T1133")).toBe(false);
  });

  it("makes a technique a candidate from its term alone, with the term's sentence as evidence", () => {
    const text = "The group was active in 2021. Later it was tied to ransomware attacks on hospitals.";
    const plain = loadModel({ ...modelData, lexicon: [] });
    const withTerm = loadModel({
      ...modelData,
      lexicon: [{ hash: hashString("ransomware"), technique: "T1486", precision: 0.9 }],
    });
    expect(find(analyzeText(text, plain, { includeBelowThreshold: true }), "T1486")).toBeUndefined();
    const found = find(analyzeText(text, withTerm, { includeBelowThreshold: true }), "T1486");
    expect(found?.evidence.map((e) => e.text)).toEqual(["Later it was tied to ransomware attacks on hospitals."]);
  });
});

describe("the report head", () => {
  // Main model: ATT&CK-like sentences. Report sentences describe keylogging in words the main model never saw.
  const attackLike: TrainingExample[] = [
    ...[
      "Adversaries may log user keystrokes to intercept credentials.",
      "Keylogging captures keystrokes as the user types.",
    ].map((text) => ({ text, labels: ["T1056.001"] })),
    ...[
      "Adversaries may transfer tools from an external system.",
      "The tool downloads files from a remote server.",
    ].map((text) => ({ text, labels: ["T1105"] })),
  ];
  const reportSentences: TrainingExample[] = [
    ...[
      "The stealer hooks the keyboard of the victim.",
      "A hook on the keyboard records every key press.",
      "Its module hooks keyboard input and saves it.",
    ].map((text) => ({ text, labels: ["T1056.001"] })),
    { text: "The dropper fetched a payload from its server.", labels: ["T1105"] }, // one sentence: too few for a head class
    ...[
      "The group is active since 2019.",
      "The report covers several campaigns.",
      "Victims were found in many countries.",
    ].map((text) => ({ text, labels: [] })),
  ];
  const options = {
    attackVersion: "test",
    techniques: [
      { id: "T1056.001", name: "Keylogging" },
      { id: "T1105", name: "Ingress Tool Transfer" },
    ],
    revoked: {},
  };
  const main = () => trainModel(attackLike, { ...options, minDf: 1, epochs: 30 });
  const head = () => trainHead(reportSentences, { ...options, minDf: 1, minPositives: 2 });

  it("learns only techniques with enough report sentences, deterministically", () => {
    const h = head();
    expect(h?.techniques.map((t) => t.id)).toEqual(["T1056.001"]);
    expect(head()).toEqual(h);
    expect(
      trainHead(
        reportSentences.filter((e) => e.labels.length === 0),
        options,
      ),
    ).toBeNull();
  });

  it("gives the decision its evidence, with the head's sentence among the evidence", () => {
    const text = "The implant also hooks the keyboard of each user. It was compiled in 2021.";
    const withHead = collectEvidence(text, loadModel({ ...main(), head: head() as ModelData }));
    const without = collectEvidence(text, loadModel(main()));
    const keylogging = (e: ReturnType<typeof collectEvidence>) => e.candidates.find((c) => c.classIndex === 0);
    const c = keylogging(withHead);
    expect(c?.inHead).toBe(true);
    expect(c?.headP).toBeGreaterThan(0.5);
    expect(c?.ranked.map((h) => h.sentence)).toContain(0);
    expect(keylogging(without)?.headP ?? 0).toBe(0);
    // Not a head class: no head evidence, and the decision can tell it from a head's "no".
    expect(withHead.candidates.find((x) => x.classIndex === 1)?.inHead ?? false).toBe(false);
  });

  it("mixes the head into a head technique's document score at the model's head weight, and only there", () => {
    const text = "The implant also hooks the keyboard of each user. The tool downloads files from a remote server.";
    // A stacker with no weights says 0.5 for every candidate, so the mix is plain to see.
    const zeros = STACKER_FEATURES.map(() => 0);
    const data: ModelData = {
      ...main(),
      head: head() as ModelData,
      stacker: { features: STACKER_FEATURES, weights: zeros, bias: 0, mean: zeros, scale: zeros.map(() => 1) },
    };
    const confidences = (headWeight?: number) => {
      const m = loadModel(headWeight === undefined ? data : { ...data, headWeight });
      const evidence = collectEvidence(text, m);
      const of = (classIndex: number) => evidence.candidates.find((c) => c.classIndex === classIndex) as Candidate;
      return {
        headP: of(0).headP,
        keylogging: candidateConfidence(m, of(0), evidence.spans.length),
        transfer: candidateConfidence(m, of(1), evidence.spans.length),
      };
    };
    const plain = confidences();
    expect(plain.keylogging).toBeCloseTo(0.5, 9);
    expect(plain.headP).toBeGreaterThan(0.5);
    const mixed = confidences(0.4);
    expect(mixed.keylogging).toBeCloseTo(0.6 * 0.5 + 0.4 * plain.headP, 9);
    expect(mixed.transfer).toBeCloseTo(0.5, 9);
    const keylogging = analyzeText(text, loadModel({ ...data, headWeight: 0.4 }), {
      includeBelowThreshold: true,
    }).techniques.find((t) => t.id === "T1056.001");
    expect(keylogging?.confidence).toBeCloseTo(mixed.keylogging, 3);
  });

  it("scores a technique only the head found by the head's share alone", () => {
    const found = { headP: 0.8, inHead: true };
    expect(withHead(0.5, { ...found, headOnly: false }, 0.4)).toBeCloseTo(0.62, 9);
    // The stacker's 0.5 for a candidate without main-model evidence says nothing: it is left out.
    expect(withHead(0.5, { ...found, headOnly: true }, 0.4)).toBeCloseTo(0.32, 9);
    expect(withHead(0.5, { ...found, headOnly: true }, 0)).toBe(0.5);
    expect(withHead(0.5, { headP: 0, inHead: false, headOnly: false }, 0.4)).toBe(0.5);
  });

  it("scores sentences as training reads them: n-grams through the per-word cache (few classes) or postings (many)", () => {
    const fillers = Array.from({ length: 130 }, (_, i) => ({
      id: `T9${String(i).padStart(3, "0")}`,
      name: `Filler ${i}`,
    }));
    const dense = loadModel(
      trainHead(reportSentences, { ...options, minDf: 1, minPositives: 2, charGrams: 4 }) as ModelData,
    );
    const sparse = loadModel(
      trainModel([...attackLike, ...reportSentences], {
        ...options,
        techniques: [...options.techniques, ...fillers],
        minDf: 1,
        epochs: 30,
        charGrams: 4,
      }),
    );
    const words = loadModel(main());
    // Repeated words in other cases and forms (read from the cache), and a sentence longer than the token buffers.
    const long = Array.from({ length: 40 }, (_, i) => `keyboard${i % 7} hooks`).join(" ");
    const sentences = [
      "The stealer hooks the keyboard.",
      "KEYBOARD hooks: the Stealer's keyboard hook.",
      "Keyboards are hooked by stealers, keyboard by keyboard.",
      "Keylogging captures the keystrokes.",
      "The tool downloads files.",
      long,
    ];
    for (const m of [dense, sparse, words]) {
      const scorer = new SentenceScorer(m);
      const tokens = new Tokens();
      let emitted = 0;
      for (const s of sentences) {
        const z = Float64Array.from(m.bias);
        for (const [f, x] of blocksRow(featureBlocks(s, m.data.charGrams), (hash) => featureIndex(m, hash), m.idf)) {
          for (let k = m.postingStart[f] as number; k < (m.postingStart[f + 1] as number); k++) {
            const c = m.postingClass[k] as number;
            z[c] = (z[c] as number) + x * (m.postingWeight[k] as number);
          }
        }
        scorer.score(tokens.read(s, 0, s.length), (c, p) => {
          emitted++;
          // The cache sums in float32: equal to training's row to float precision.
          expect(p, s).toBeCloseTo(1 / (1 + Math.exp(-(z[c] as number))), 6);
        });
      }
      expect(emitted).toBeGreaterThanOrEqual(2);
    }
  });

  it("fits each class to convergence (L-BFGS on a convex function)", () => {
    // f(x) = Σ (i + 1)(x_i − i)², minimum at x_i = i.
    const x = lbfgs(
      (v, grad) => {
        let f = 0;
        v.forEach((xi, i) => {
          f += (i + 1) * (xi - i) ** 2;
          grad[i] = 2 * (i + 1) * (xi - i);
        });
        return f;
      },
      6,
      100,
    );
    expect([...x].map((v) => Math.round(v * 1e4) / 1e4)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
