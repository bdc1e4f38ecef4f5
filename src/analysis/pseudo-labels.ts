/**
 * @module Sentence examples from reports labelled only as a whole (AnnoCTR-style): the model finds,
 * in each report, the sentences that most likely express one of the report's labelled techniques
 * (positives) and the confident sentences about techniques the report is not labelled with (hard
 * negatives). Training on them adapts the sentence model to how such reports are written.
 */
import { Tokens } from "./features";
import type { Model } from "./model";
import { scorerFor } from "./scorer";
import { segmentSentences } from "./text";
import type { TrainingExample } from "./train";

export interface PseudoLabelOptions {
  /** A sentence is a positive for a labelled technique at or above this probability. */
  positiveAt?: number;
  /** A sentence is a hard negative when it scores this high for an unlabelled technique only. */
  negativeAt?: number;
  weight?: number;
}

/** `labels` are the report's gold ids; a sub-technique counts for its parent when only the parent is labelled. */
export function pseudoLabelExamples(
  model: Model,
  reports: { text: string; labels: string[] }[],
  options: PseudoLabelOptions = {},
): TrainingExample[] {
  const positiveAt = options.positiveAt ?? 0.3;
  const negativeAt = options.negativeAt ?? 0.6;
  const scorer = scorerFor(model);
  const tokens = new Tokens();
  const out: TrainingExample[] = [];
  for (const report of reports) {
    const gold = new Set(report.labels);
    const labelled = (id: string) => gold.has(id) || gold.has(id.split(".")[0] as string);
    for (const span of segmentSentences(report.text)) {
      tokens.read(report.text, span.start, span.end);
      const positives: string[] = [];
      let strongestOther = 0;
      scorer.score(tokens, (c, p) => {
        const id = model.techniques[c]?.id as string;
        if (labelled(id)) {
          if (p >= positiveAt) positives.push(id);
        } else strongestOther = Math.max(strongestOther, p);
      });
      const text = report.text.slice(span.start, span.end);
      if (positives.length) out.push({ text, labels: positives, weight: options.weight ?? 1 });
      else if (strongestOther >= negativeAt) out.push({ text, labels: [], weight: options.weight ?? 1 });
    }
  }
  return out;
}
