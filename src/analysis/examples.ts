/**
 * @module Training examples from ATT&CK itself: every procedure example is a sentence labelled
 * with its technique, and so is every sentence of a technique's description.
 */
import { segmentSentences } from "./text";
import type { TrainingExample } from "./train";

export interface AttackTechniqueText {
  id: string;
  name: string;
  description: string;
}

export interface AttackCorpus {
  version: string;
  /** Active techniques and sub-techniques: the model's classes. */
  techniques: AttackTechniqueText[];
  /** Revoked id → replacing id. */
  revoked: Record<string, string>;
  /** Procedure examples: technique id and the description of the use. */
  procedures: { techniqueId: string; text: string }[];
  /**
   * Detection strategies' names and their analytics' texts (ATT&CK 18+), by technique: they name
   * the tools and commands a technique leaves behind (vssadmin, rclone, wevtutil …).
   */
  detections?: { techniqueId: string; text: string }[];
}

// ATT&CK's markdown links "[Name](https://attack.mitre.org/...)" read as their name.
const LINK = /\[([^\]]+)\]\((?:https?:\/\/[^)]+)\)/g;

export function plainText(markdown: string): string {
  return markdown.replace(LINK, "$1").replace(/<\/?code>/g, "");
}

/** Analytics read as detection advice, not as reports: they teach vocabulary at a lower weight. */
const DETECTION_WEIGHT = 0.25;

export function attackExamples(
  corpus: AttackCorpus,
  weights: { procedure?: number; description?: number; detection?: number } = {},
): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (const p of corpus.procedures) {
    out.push({ text: plainText(p.text), labels: [p.techniqueId], weight: weights.procedure ?? 1 });
  }
  for (const d of corpus.detections ?? []) {
    const text = plainText(d.text);
    for (const span of segmentSentences(text)) {
      const sentence = text.slice(span.start, span.end);
      if (sentence.length < 25) continue;
      out.push({ text: sentence, labels: [d.techniqueId], weight: weights.detection ?? DETECTION_WEIGHT });
    }
  }
  for (const t of corpus.techniques) {
    const text = plainText(t.description);
    for (const span of segmentSentences(text)) {
      const sentence = text.slice(span.start, span.end);
      if (sentence.length < 25) continue;
      out.push({ text: sentence, labels: [t.id], weight: weights.description ?? 1 });
    }
  }
  return out;
}

/** Feedback outweighs a single labelled sentence: an analyst looked at exactly this case. */
export const FEEDBACK_WEIGHT = 2;

/** An analyst's labelled evidence (a verdict on a match, or a technique they added). */
export interface AnalystExample {
  text: string;
  techniqueId: string;
  verdict: "accept" | "reject";
  correctTechniqueId: string | null;
}

/**
 * The training example `npm run model:build` makes of analyst feedback: an accepted match (or an
 * added technique) confirms its technique; a rejected one teaches the correct technique when
 * given, otherwise that the sentence does not show the matched one.
 */
export function analystExample(f: AnalystExample): TrainingExample {
  return {
    text: f.text,
    labels: f.verdict === "accept" ? [f.techniqueId] : f.correctTechniqueId ? [f.correctTechniqueId] : [],
    weight: FEEDBACK_WEIGHT,
  };
}
