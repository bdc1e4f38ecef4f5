/**
 * @module The cue vocabulary of sentence context (context.ts): the closed classes of words that
 * mark negation, advice, hypotheticals and reported behaviour, clause boundaries, and a cheap
 * word-level test that a sentence holds none of them. Pure.
 */
// Negation and absence. "not only/just", "no doubt", "never before seen" assert; "without" negates
// only its own phrase (a clause of its own, see BOUNDARY).
export const NEGATION =
  /\b(?:not(?! only\b| just\b| until\b| limited\b| least\b| uncommon\b| unusual\b| unlike\b| surprising\b| previously (?:known|seen|documented|reported)\b)|(?:is|was|were|are|do|does|did|has|have|had|could|would|should|ca|wo)n[’']t|cannot|no(?! doubt\b| matter\b| longer than\b| fewer\b| less than\b| more than\b| sooner\b)|never(?![- ]before)|neither|nor|none|nothing|nobody|nowhere|without|absen(?:t|ce)|lack(?:s|ed|ing)?|fail(?:s|ed)? to|unable to|unsuccessful(?:ly)?|ruled? out|ruling out|excluded?|free of|zero (?:evidence|indications?|signs?)|unobserved|devoid of|no[- ]one|incapable of|unaware of|instead of|rather than)\b/;
// Advice and mitigation: obligation, recommendation, defenders as the subject.
export const ADVISORY =
  /\b(?:should|ought to|recommend\w*|advis(?:e|ed|es|able|ory)|urge[sd]?|encourag\w+|best practices?|mitigat\w+|remediat\w+|(?:protect|defend|guard|safeguard)(?:s|ed|ing)? against|make sure|(?<!to )ensure|it is (?:important|advisable|recommended|critical|essential|crucial|wise|prudent|vital)|(?:defenders|administrators|admins|organi[sz]ations|companies|enterprises|users|security teams|network owners)(?: \w+)? (?:can|could|should|may|might|must|need to|are advised|want to)|you should|consider (?:\w+ing)\b|would (?:have )?(?:stop|stopped|prevent|prevented|block|blocked|reduce|mitigate|defeat|thwart|limit|disrupt)|(?:will|would|can|could|may) help (?:to )?(?:stop|prevent|block|reduce|mitigate|detect|defend))\b/;
// Hypotheticals: conditionals, possibility, a generic attacker's capability.
export const HYPOTHETICAL =
  /\b(?:were to|would (?:allow|enable|let|permit|give|provide|have|make it possible)|(?:could|may|might) (?:allow|enable|let|permit|potentially|theoretically|be (?:used|abused|leveraged|exploited|misused))|can (?:allow|permit|be (?:used|abused|leveraged|exploited|misused))|might|potentially|in theory|theoretical(?:ly)?|hypothetical(?:ly)?|in principle|it (?:is|would be|might be) possible|in the event (?:of|that)|(?:could|might|may) be [\w-]+(?:ed|en)|(?:an? (?:attacker|adversary|threat actor|intruder|hacker|malicious actor|criminal)|attackers|adversaries|intruders|hackers|malicious actors|someone|anyone)(?: \S+){0,6}? (?:can|could|may|might|would))\b/;
// Someone else's behaviour, earlier campaigns, definitions and general discussion.
export const MENTION_ONLY =
  /\b(?:unlike|in contrast (?:to|with)|previous(?:ly)? (?:reported|described|documented|observed|seen|attributed|published|discussed|used)|(?:earlier|past|prior|older|previous) (?:campaigns?|reports?|versions?|builds?|iterations?|generations?|editions?|releases?|attacks?|operations?|activity|variants?|samples?|intrusions?|research|analys[ie]s|incidents?|waves?)|in the past(?! \d| few| several| two| three| week| month| year| day| hour)|historically|(?:is|are|was|were|has been|have been) (?:well[- ])?known (?:for|to)|notorious|(?:has|have|had) been (?:\w+ )?(?:reported|discussed|documented|described|covered|written about|attributed|publici[sz]ed)|other (?:groups|actors|threat actors|researchers|vendors|families|campaigns|operators|gangs)|(?:researchers|vendors|reports?|articles?|blogs?|blog posts?|papers?|analysts|journalists|media) (?:have |had )?(?:described|reported|documented|discussed|published|detailed|covered|attributed)|(?:first|originally) (?:reported|described|documented|disclosed) (?:by|in)|(?:is|are) (?:a |an )?(?:[\w-]+ ){0,2}(?:technique|tactic|method|approach|trick)s?\b|refers to|elsewhere|(?:documented|described|covered|discussed|reported) (?:at length|in detail|widely|extensively|before|previously)|(?:playbooks?|reports?|articles?|blogs?|posts?|papers?|advisor(?:y|ies)|guides?|manuals?|documentation|leaks?|write-?ups?|presentations?|talks?|threads?|tweets?|researchers|vendors|analysts|journalists|media|competitors?)\b(?: \S+){0,6}? (?:describes?|described|details|detailed|explains?|explained|mentions?|mentioned|documents|documented|claims?|claimed|notes|noted|lists|listed|covers|covered|reported|reports|discussed|discusses|published|attributed)\b|(?:a different|another|a separate|an unrelated|a rival) (?:group|actor|threat actor|gang|crew|campaign|operator|family)|(?:was|were|is|are|has been|have been) (?:reported|said|believed|rumou?red|thought|alleged) to|as (?:many|several|other|some|numerous) \w+(?: \w+)? (?:have |had )?(?:noted|reported|observed|described|documented|pointed out))\b/;

export const CONTRAST =
  /^(?:but|however|instead|whereas|although|though|yet|nevertheless|nonetheless|conversely|except|while)$/;
/** Words that open a fronted phrase ended by the first comma ("Although …, ", "Unlike …, "). */
export const FRONTED =
  /^(?:although|though|while|whereas|unlike|despite|if|unless|had|without|besides|apart|aside|beyond|whether|even|in contrast|rather than|instead of|not content|not satisfied|were|should|to (?:reduce|prevent|mitigate|limit|minimi[sz]e|protect|defend|guard|lower|stop|block|detect|counter|avoid|harden|secure))\b/;
/** Phrases that start a negated phrase of their own inside a clause: "… without writing to disk". */
export const NEGATED_PHRASE = /^(?:without|rather than|instead of|not)$/;
export const MODAL = /\b(?:could|would|might|may)\b/;
/** Imperatives that open advice ("Disable …", "Monitor for …"); the next word rules out nouns ("Update mechanism is …"). */
export const IMPERATIVE =
  /^(?:[-*•·▪◦–]\s*|\d{1,2}[.)]\s+)?(?:disable|enable|block|restrict|limit|monitor|apply|patch|update|upgrade|implement|configure|enforce|audit|review|remove|require|deploy|segment|segregate|avoid|keep|turn off|prevent|use|consider|ensure|educate|train|maintain|isolate|reset|rotate|change|install|validate|verify|watch for|look for|hunt for|search for|check for|alert on|investigate|filter|allowlist|whitelist|blocklist|denylist|employ|adopt|establish|prioriti[sz]e|inventory|harden|protect|secure|scan|back up|backup|lock down|enroll|revoke|uninstall|quarantine)\s+(?!of\b|is\b|was\b|are\b|were\b|has\b|had\b|will\b|would\b|can\b|could\b|mechanism|process|function|module)/i;

// Boundaries: punctuation, contrast words, relative "which", "and" before a verb, and the comma after a fronted phrase.
export const BOUNDARY =
  /\s*(?:[;:()[\]—–]|\s-\s|,\s*(?:which|who|whose|and then|then|so|making|allowing|letting|enabling)\b|\s+so that\b|\s+and(?=\s+[\w-]+ed\b)|,?\s+(?:rather than|instead of|but|however|instead|whereas|although|though|yet|nevertheless|nonetheless|conversely|except|while|without)\b)/g;
/** Negations about evidence, whose scope is the whole complement. */
export const EVIDENTIAL = /\b(?:evidence|signs?|indications?|traces?|suggest\w*|indicat\w*|point\w* to|confirm\w*)\b/;
/** A sentence opening with a condition: "If …", "Were they to …", "Should the …", "Suppose …". */
export const CONDITION =
  /^(?:if|unless|suppose|supposing|assuming|imagine|in case|had|were (?:\S+ ){1,4}to|should (?:the|an?|they|someone|anyone)\b)/;

/** A lead that introduces a list ("the following techniques were not observed: …"). */
export const LISTING =
  /\b(?:following|these|below|list|techniques?|tactics?|tools?|behaviou?rs?|capabilities|activit(?:y|ies)|indicators?|artifacts?|methods?|procedures?|ttps?|includ\w+|such as|any of)\b/;

/** A clause about others in general: "Many stealers …", "While crews such as X routinely …". */
export const GENERIC =
  /^(?:(?:many|most|numerous|countless|various|several|some) (?!of\b)|(?:while|whereas|although|though|unlike)\b.*\b(?:routinely|typically|commonly|usually|often|frequently|generally|tend to)\b)/;
/** What a kind of actor usually does ("ransomware gangs commonly wipe backups"), when no definite subject is named. */
export const HABIT = /\b(?:commonly|routinely|typically|usually|frequently|generally|often|tend to)\b/;
export const DEFINITE =
  /\b(?:(?:the|this|these|that|those|our|its|their)\s+(?:\w+\s+)?(?:actors?|attackers?|operators?|group|intruders?|adversary|malware|samples?|backdoor|loader|implant|ransomware|campaign|crew|gang|tool|script|payload|dropper|binary|threat actors?)|they|we|it|he|she)\b/;

/** A fronted purpose that gives advice: "To reduce the risk of …, …". */
export const PURPOSE =
  /^to (?:reduce|prevent|mitigate|limit|minimi[sz]e|protect|defend|guard|lower|stop|block|detect|counter|avoid|harden|secure)\b/;

export const ADVICE_HEADING =
  /\b(?:mitigat|recommend|remediat|prevent|protect|harden|best practice|defen[cs]e|guidance|what (?:you|to) (?:can )?do|how to)/i;
export const ABSENCE_HEADING = /\b(?:not (?:observed|seen|used|found|detected)|absent|unobserved)\b/i;

/**
 * Every word a cue above can start or hinge on. Most sentences hold none of them: one pass over
 * their words then settles that they assert, without running the cue expressions (a fifth of the
 * engine's time otherwise). Keep in step with the expressions; the unit tests pin each class.
 */
export const CUE_WORDS = new Set(
  (
    "not cannot no never neither nor none nothing nobody nowhere without absent absence lack lacks " +
    "lacked lacking fail fails failed unable unsuccessful unsuccessfully rule ruled ruling exclude " +
    "excluded free zero unobserved devoid instead rather no-one incapable unaware should ought must need " +
    "want urge urges urged best against sure ensure important advisable critical essential crucial wise " +
    "prudent vital consider would could may might can potentially theory principle possible event unlike " +
    "contrast previous previously earlier past prior older historically known notorious other technique " +
    "techniques tactic tactics method methods approach approaches trick tricks refers elsewhere " +
    "documented described covered discussed discusses reported disclosed written attributed publicised " +
    "publicized detailed details explains explained mentions mentioned claims claimed notes noted lists " +
    "listed covers published while whereas although though help different another separate unrelated " +
    "rival said believed rumored rumoured thought alleged commonly routinely typically usually " +
    "frequently generally often tend " +
    "describe describes explain explains mention claim documents reports"
  ).split(" "),
);
export const CUE_STEMS = ["recommend", "advis", "encourag", "mitigat", "remediat", "theoretic", "hypothetic"];

/** Hash of a lower-cased word as `hasCueWord` folds it, char by char. */
const foldHash = (h: number, c: number) => (Math.imul(h, 31) + c) | 0;
const hashOf = (word: string) => {
  let h = 7;
  for (let i = 0; i < word.length; i++) h = foldHash(h, word.charCodeAt(i));
  return h;
};
const CUE_HASHES = new Set([...CUE_WORDS].map(hashOf));
const MAX_STEM = Math.max(...CUE_STEMS.map((s) => s.length));
const STEM_LENGTHS = [...new Set(CUE_STEMS.map((s) => s.length))];
/** Hash of the current word's first n letters, by n (up to the longest stem). */
const prefixes = new Int32Array(MAX_STEM + 1);

/** Whether the word text[start, end) begins with a cue stem ("recommend…", "mitigat…"). */
function stemOf(text: string, start: number, end: number): boolean {
  for (const n of STEM_LENGTHS) {
    if (end - start < n || !(STEM_HASHES[n] as Set<number>).has(prefixes[n] as number)) continue;
    if (CUE_STEMS.includes(text.slice(start, start + n).toLowerCase())) return true;
  }
  return false;
}
/** Stem hashes by stem length. */
const STEM_HASHES: Set<number>[] = Array.from(
  { length: MAX_STEM + 1 },
  (_, n) => new Set(CUE_STEMS.filter((s) => s.length === n).map(hashOf)),
);

/**
 * Whether `text` (any case) holds a cue word: one pass over its characters, hashing each word as it
 * goes, so no word is copied unless its hash matches (then it is checked for real).
 */
export function hasCueWord(text: string): boolean {
  let start = -1;
  let h = 7;
  for (let i = 0; i <= text.length; i++) {
    let c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 65 && c <= 90) c |= 32;
    if ((c >= 97 && c <= 122) || c === 39 || c === 0x2019 || (c === 45 && start >= 0)) {
      if (start < 0) {
        start = i;
        h = 7;
      }
      h = foldHash(h, c === 0x2019 ? 39 : c);
      const length = i - start + 1;
      if (length <= MAX_STEM) prefixes[length] = h;
      continue;
    }
    if (start >= 0) {
      if (stemOf(text, start, i)) return true;
      if (CUE_HASHES.has(h) && CUE_WORDS.has(text.slice(start, i).toLowerCase().replace(/’/g, "'"))) return true;
      // "didn't", "wasn’t": a verb's negation.
      const apostrophe = text.charCodeAt(i - 2);
      const negatedVerb =
        i - start > 3 &&
        (text.charCodeAt(i - 1) | 32) === 116 &&
        (apostrophe === 39 || apostrophe === 0x2019) &&
        (text.charCodeAt(i - 3) | 32) === 110;
      if (negatedVerb) return true;
      start = -1;
    }
  }
  return false;
}

/** Verbs of looking for something, which a short denial after them answers ("… but found none"). */
export const SEARCH =
  /\b(?:(?:look|search|hunt|check|scan|scann|test|sweep|swept)(?:ed|ing|s)?(?: \S+){0,3}? for|check(?:ed|ing)? (?:whether|if)|review(?:ed|ing)?|assess(?:ed|ing)?|investigat\w+|examin\w+|quer(?:ied|ying)|inspect\w+|audit(?:ed|ing)|analy[sz](?:ed|ing))\b/;
