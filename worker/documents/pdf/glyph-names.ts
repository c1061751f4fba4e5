/**
 * Glyph names beyond the Latin encodings' own (encodings.ts), for fonts without a ToUnicode CMap: the Adobe Glyph
 * List's Greek, math and symbol names, and the names TeX's fonts use for the same characters (cmsy, cmmi, cmex,
 * msam: `angbracketleft`, `epsilon1`, `arrowdblright`). Without them a formula's symbols would read as unknown.
 */

const GREEK_LOWER =
  "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega";
const GREEK_UPPER = GREEK_LOWER.replace(/\b\w/g, (c) => c.toUpperCase());

/** Names whose text is written here directly; space-separated pairs `name text`. */
const SYMBOLS = `
Upsilon1 ϒ epsilon1 ϵ theta1 ϑ pi1 ϖ rho1 ϱ sigma1 ς phi1 ϕ omega1 ϖ
minus − plusminus ± minusplus ∓ multiply × divide ÷ periodcentered · asteriskmath ∗ bullet • openbullet ◦
circlemultiply ⊗ circleplus ⊕ circleminus ⊖ circledivide ⊘ circledot ⊙ circlecopyrt ○ bigcircle ◯
equivalence ≡ similar ∼ approxequal ≈ similarequal ≃ congruent ≅ notequal ≠ lessequal ≤ greaterequal ≥
precedesequal ⪯ followsequal ⪰ lessmuch ≪ greatermuch ≫ precedes ≺ follows ≻ proportional ∝ propersubset ⊂
propersuperset ⊃ reflexsubset ⊆ reflexsuperset ⊇ element ∈ owner ∋ notelement ∉ union ∪ intersection ∩
unionmulti ⊎ unionsq ⊔ intersectionsq ⊓ logicaland ∧ logicalor ∨ logicalnot ¬ universal ∀ existential ∃
emptyset ∅ nabla ∇ gradient ∇ partialdiff ∂ infinity ∞ prime ′ negationslash ̸ mapsto ↦ perpendicular ⊥
turnstileleft ⊢ turnstileright ⊣ angle ∠ therefore ∴ because ∵ integral ∫ contourintegral ∮ summation ∑
product ∏ coproduct ∐ radical √ lozenge ◊ aleph ℵ Ifractur ℑ Rfractur ℜ weierstrass ℘ dagger † daggerdbl ‡
arrowleft ← arrowright → arrowup ↑ arrowdown ↓ arrowboth ↔ arrowupdn ↕ arrowdblleft ⇐ arrowdblright ⇒
arrowdblup ⇑ arrowdbldown ⇓ arrowdblboth ⇔ arrownortheast ↗ arrowsoutheast ↘ arrownorthwest ↖
arrowsouthwest ↙ arrowhorizex ⏤ harpoonleftup ↼ harpoonrightup ⇀
angbracketleft ⟨ angbracketright ⟩ angleleft 〈 angleright 〉 floorleft ⌊ floorright ⌋ ceilingleft ⌈
ceilingright ⌉ bar | bardbl ‖ backslash \\ braceleft { braceright } bracketleft [ bracketright ]
star ⋆ triangle △ triangleinv ▽ triangleleft ◁ triangleright ▷ diamond ◇ diamondmath ⋄ square □ club ♣
diamondsolid ♦ heart ♡ spade ♠ flat ♭ natural ♮ sharp ♯ section § paragraph ¶ copyright © registered ®
trademark ™ degree ° mu1 µ ohm Ω estimated ℮ Euro € visiblespace ␣ dotlessj ȷ florin ƒ
ellipsis … endash – emdash — quoteleft ‘ quoteright ’ quotedblleft “ quotedblright ” checkmark ✓
`;

/** Glyph name → text, for the names above and the Greek alphabet. */
export const SYMBOL_GLYPHS: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const lower = GREEK_LOWER.split(" ");
  for (const [i, name] of lower.entries()) {
    // α is U+03B1 onwards, skipping U+03C2 (final sigma, named sigma1).
    map.set(name, String.fromCharCode(0x3b1 + i + (i >= 17 ? 1 : 0)));
  }
  for (const name of GREEK_UPPER.split(" ")) map.set(name, (map.get(name.toLowerCase()) as string).toUpperCase());
  const pairs = SYMBOLS.trim().split(/\s+/);
  for (let i = 0; i + 1 < pairs.length; i += 2) map.set(pairs[i] as string, pairs[i + 1] as string);
  return map;
})();

/**
 * Names that Type 3 fonts (bitmap fonts converted by Ghostscript or dvips) give glyphs by their code: `a97`, `g97`,
 * `c97`, `#61`, `61`. Only Type 3 names mean this; in other fonts `a97` is a dingbat.
 */
const CODE_NAME = /^(?:[A-Za-z]{1,2}(\d{2,3})|#?([0-9A-Fa-f]{2}))$/;

/** The text of a Type 3 glyph named by its code, when that code is printable ASCII. */
export function codeNameText(name: string): string | null {
  const match = CODE_NAME.exec(name);
  if (!match) return null;
  const code = match[1] !== undefined ? Number(match[1]) : Number.parseInt(match[2] as string, 16);
  return code > 32 && code < 127 ? String.fromCharCode(code) : null;
}
