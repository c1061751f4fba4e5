/**
 * Instance texts for the OOLONG-style generator: each label set turns a hidden true label into a short line whose
 * label a reader can infer from its meaning alone. OOLONG itself uses validated TREC-coarse questions (reference
 * §4.7); these are synthetic stand-ins built from made-up names, so no dataset text is reproduced and no instance
 * depends on real-world knowledge.
 */
import type { Rng } from "./prng";

/** The label sets the generator can use. */
export type LabelSetName = "question-type" | "sentiment";

/** A family of labels, with the words the context header uses to describe it and a text generator per label. */
export interface LabelSet {
  name: LabelSetName;
  /** Plural noun for one context line, e.g. "general-knowledge questions". */
  itemNoun: string;
  /** What the label describes, completing "each line has ..." in the context header. */
  labelMeaning: string;
  labels: readonly string[];
  /** A fresh instance text whose true label is `label`. */
  instance(rng: Rng, label: string): string;
}

const SYLLABLES = "ka ren vo li mar to sel du ni bra zo fen ta rio mi gal ost ve run dal pe quin sa lor".split(" ");

/** An invented proper name (2–3 syllables), so questions sound factual without referring to anything real. */
function name(rng: Rng): string {
  const word = Array.from({ length: rng.int(2, 3) }, () => rng.pick(SYLLABLES)).join("");
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function acronym(rng: Rng): string {
  return Array.from({ length: rng.int(2, 4) }, () => String.fromCharCode(65 + rng.int(0, 25))).join("");
}

const words = (list: string) => list.split(" ");
const FIELDS = words("medicine aviation banking chemistry shipping law music");
const KINDS = words("food animal instrument plant fabric sport vehicle dance");
const DEVICES = words("compass telescope loom windmill barometer printing-press water-clock");
const THINGS = words("glaciers bees tides volcanoes owls rivers comets");
const BEHAVIOURS = words("move migrate change shrink glow slow-down");
const CONCEPTS = words("weather climate debt credit myth legend courage bravery");
const ROLES = words("mayor governor captain abbot chancellor director");
const PLACES = words("lighthouse canyon monastery harbor observatory fortress");
const COUNTABLES = words("stars stripes towers islands bells gates");

const QUESTION_TEMPLATES: Record<string, ReadonlyArray<(rng: Rng) => string>> = {
  abbreviation: [
    (r) => `What does the abbreviation ${acronym(r)} stand for?`,
    (r) => `What is the full name behind the acronym ${acronym(r)}?`,
    (r) => `In ${r.pick(FIELDS)}, what is ${acronym(r)} short for?`,
    (r) => `What do the initials ${acronym(r)} on the ${name(r)} crest represent?`,
  ],
  entity: [
    (r) => `What ${r.pick(KINDS)} is the ${name(r)} festival famous for?`,
    (r) => `Which ${r.pick(KINDS)} did the people of ${name(r)} use in their ceremonies?`,
    (r) => `What kind of ${r.pick(KINDS)} appears in the paintings of ${name(r)}?`,
    (r) => `Name one ${r.pick(KINDS)} that was first described in the ${name(r)} records.`,
  ],
  "description and abstract concept": [
    (r) => `Why do ${r.pick(THINGS)} ${r.pick(BEHAVIOURS).replace("-", " ")} in winter?`,
    (r) => `How does a ${r.pick(DEVICES).replace("-", " ")} work?`,
    (r) => `What is the difference between ${r.pick(CONCEPTS)} and ${r.pick(CONCEPTS)}?`,
    (r) => `Why is the ${name(r)} method considered so unreliable?`,
  ],
  "human being": [
    (r) => `Who invented the ${name(r)} ${r.pick(DEVICES).replace("-", " ")}?`,
    (r) => `Who was the first ${r.pick(ROLES)} of ${name(r)}?`,
    (r) => `Which writer composed the ${name(r)} chronicles?`,
    (r) => `Who discovered the ${name(r)} comet?`,
  ],
  location: [
    (r) => `Where is the ${name(r)} ${r.pick(PLACES)} located?`,
    (r) => `In which country is the city of ${name(r)}?`,
    (r) => `Through which region does the ${name(r)} river flow?`,
    (r) => `Where did the ${name(r)} expedition set out from?`,
  ],
  "numeric value": [
    (r) => `How many ${r.pick(COUNTABLES)} are shown on the ${name(r)} flag?`,
    (r) => `In what year was the ${name(r)} ${r.pick(PLACES)} built?`,
    (r) => `How tall is the ${name(r)} tower?`,
    (r) => `How far is ${name(r)} from ${name(r)}?`,
  ],
};

const PRODUCTS = words("kettle backpack lamp blender jacket headset chair umbrella");
const REVIEW_TEMPLATES: Record<string, ReadonlyArray<(rng: Rng) => string>> = {
  positive: [
    (r) => `I love this ${r.pick(PRODUCTS)}, it works perfectly and looks great.`,
    (r) => `Best ${r.pick(PRODUCTS)} I have owned; the ${name(r)} brand really delivered.`,
    (r) => `Delighted with the ${r.pick(PRODUCTS)}, I would happily buy it again.`,
  ],
  negative: [
    (r) => `The ${r.pick(PRODUCTS)} broke within a week and support never answered.`,
    (r) => `Very disappointed with this ${r.pick(PRODUCTS)}; it feels cheap and flimsy.`,
    (r) => `Do not buy the ${name(r)} ${r.pick(PRODUCTS)}, a complete waste of money.`,
  ],
  neutral: [
    (r) => `The ${r.pick(PRODUCTS)} arrived on a weekday in a plain box.`,
    (r) => `It is a ${r.pick(PRODUCTS)} from ${name(r)}; it matches the listing.`,
    (r) => `Ordered the ${r.pick(PRODUCTS)} in grey, which is the colour I picked.`,
  ],
};

function fromTemplates(templates: Record<string, ReadonlyArray<(rng: Rng) => string>>) {
  return (rng: Rng, label: string): string => {
    const options = templates[label];
    if (!options) throw new RangeError(`unknown label: ${label}`);
    return rng.pick(options)(rng);
  };
}

/**
 * The label sets: `question-type` mirrors OOLONG's trec_coarse task (the six TREC coarse answer types, reference
 * §4.7); `sentiment` is a three-class alternative with a different surface form.
 */
export const LABEL_SETS: Readonly<Record<LabelSetName, LabelSet>> = {
  "question-type": {
    name: "question-type",
    itemNoun: "general-knowledge questions",
    labelMeaning: "an answer that can be described as one of",
    labels: Object.keys(QUESTION_TEMPLATES),
    instance: fromTemplates(QUESTION_TEMPLATES),
  },
  sentiment: {
    name: "sentiment",
    itemNoun: "product reviews",
    labelMeaning: "a sentiment that is one of",
    labels: Object.keys(REVIEW_TEMPLATES),
    instance: fromTemplates(REVIEW_TEMPLATES),
  },
};
