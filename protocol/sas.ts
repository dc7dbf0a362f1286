/**
 * Safety code (short authentication string) shown to both people, who compare it by voice.
 * If the two screens differ, someone is in the middle.
 *
 * Emoji and English names are the Matrix SAS table (spec, "SAS method: emoji";
 * data-definitions/sas-emoji.json in matrix-org/matrix-spec), French names from that file's
 * translations. Reusing a published table means symbols chosen to be easy to name aloud and
 * hard to confuse, in an order other software already uses.
 */
import { ParleyError } from './errors.ts';

/** One table entry: the emoji and its spoken name. */
export interface SasTableEntry {
  readonly emoji: string;
  readonly en: string;
  readonly fr: string;
}

/** One symbol of a safety code: its table index plus the entry. */
export interface SasSymbol {
  index: number;
  emoji: string;
  en: string;
  fr: string;
}

/** Symbols shown per safety code. 5 × 6 bits = 30 bits. */
export const SAS_SYMBOL_COUNT = 5;

/**
 * The 64 SAS symbols, indexed 0–63 as in the Matrix specification. Emoji written with
 * `\uFE0F` carry the emoji variation selector exactly as the Matrix table does, so they
 * render as colour emoji rather than text glyphs.
 *
 * @example
 * SAS_SYMBOLS[0]; // { emoji: '🐶', en: 'Dog', fr: 'Chien' }
 */
export const SAS_SYMBOLS: readonly SasTableEntry[] = Object.freeze(
  (
    [
      ['🐶', 'Dog', 'Chien'],
      ['🐱', 'Cat', 'Chat'],
      ['🦁', 'Lion', 'Lion'],
      ['🐎', 'Horse', 'Cheval'],
      ['🦄', 'Unicorn', 'Licorne'],
      ['🐷', 'Pig', 'Cochon'],
      ['🐘', 'Elephant', 'Éléphant'],
      ['🐰', 'Rabbit', 'Lapin'],
      ['🐼', 'Panda', 'Panda'],
      ['🐓', 'Rooster', 'Coq'],
      ['🐧', 'Penguin', 'Manchot'],
      ['🐢', 'Turtle', 'Tortue'],
      ['🐟', 'Fish', 'Poisson'],
      ['🐙', 'Octopus', 'Poulpe'],
      ['🦋', 'Butterfly', 'Papillon'],
      ['🌷', 'Flower', 'Fleur'],
      ['🌳', 'Tree', 'Arbre'],
      ['🌵', 'Cactus', 'Cactus'],
      ['🍄', 'Mushroom', 'Champignon'],
      ['🌏', 'Globe', 'Globe'],
      ['🌙', 'Moon', 'Lune'],
      ['\u2601\uFE0F', 'Cloud', 'Nuage'],
      ['🔥', 'Fire', 'Feu'],
      ['🍌', 'Banana', 'Banane'],
      ['🍎', 'Apple', 'Pomme'],
      ['🍓', 'Strawberry', 'Fraise'],
      ['🌽', 'Corn', 'Maïs'],
      ['🍕', 'Pizza', 'Pizza'],
      ['🎂', 'Cake', 'Gâteau'],
      ['\u2764\uFE0F', 'Heart', 'Cœur'],
      ['😀', 'Smiley', 'Sourire'],
      ['🤖', 'Robot', 'Robot'],
      ['🎩', 'Hat', 'Chapeau'],
      ['👓', 'Glasses', 'Lunettes'],
      ['🔧', 'Spanner', 'Clé à molette'],
      ['🎅', 'Santa', 'Père Noël'],
      ['👍', 'Thumbs Up', 'Pouce en l’air'],
      ['\u2602\uFE0F', 'Umbrella', 'Parapluie'],
      ['\u231B', 'Hourglass', 'Sablier'],
      ['\u23F0', 'Clock', 'Réveil'],
      ['🎁', 'Gift', 'Cadeau'],
      ['💡', 'Light Bulb', 'Ampoule'],
      ['📕', 'Book', 'Livre'],
      ['\u270F\uFE0F', 'Pencil', 'Crayon'],
      ['📎', 'Paperclip', 'Trombone'],
      ['\u2702\uFE0F', 'Scissors', 'Ciseaux'],
      ['🔒', 'Lock', 'Cadenas'],
      ['🔑', 'Key', 'Clé'],
      ['🔨', 'Hammer', 'Marteau'],
      ['\u260E\uFE0F', 'Telephone', 'Téléphone'],
      ['🏁', 'Flag', 'Drapeau'],
      ['🚂', 'Train', 'Train'],
      ['🚲', 'Bicycle', 'Vélo'],
      ['\u2708\uFE0F', 'Aeroplane', 'Avion'],
      ['🚀', 'Rocket', 'Fusée'],
      ['🏆', 'Trophy', 'Trophée'],
      ['\u26BD', 'Ball', 'Ballon'],
      ['🎸', 'Guitar', 'Guitare'],
      ['🎺', 'Trumpet', 'Trompette'],
      ['🔔', 'Bell', 'Cloche'],
      ['\u2693', 'Anchor', 'Ancre'],
      ['🎧', 'Headphones', 'Casque audio'],
      ['📁', 'Folder', 'Dossier'],
      ['📌', 'Pin', 'Punaise'],
    ] as const
  ).map(([emoji, en, fr]) => Object.freeze({ emoji, en, fr })),
);

function checkSas(sas: Uint8Array, minBytes: number): void {
  if (!(sas instanceof Uint8Array) || sas.length < minBytes) {
    throw new ParleyError('MALFORMED', `SAS needs at least ${minBytes} bytes`);
  }
}

/**
 * The emoji safety code: 5 symbols, each from 6 consecutive bits of `sas` read
 * big-endian from the first byte (30 bits from the first 4 bytes, as Matrix does with its 7).
 * 30 bits means a person-in-the-middle who gets one try has about a one in a billion
 * chance of matching codes.
 *
 * @throws ParleyError `MALFORMED` if `sas` has fewer than 4 bytes.
 * @example
 * safetyEmoji(keys.sas).map((s) => s.emoji).join(' '); // e.g. '🐶 🔑 🚀 🌵 🎸'
 */
export function safetyEmoji(sas: Uint8Array): SasSymbol[] {
  checkSas(sas, Math.ceil((SAS_SYMBOL_COUNT * 6) / 8));
  // The first 4 bytes as one 32-bit big-endian number; symbols are its top 30 bits.
  const bits = (((sas[0] ?? 0) << 24) | ((sas[1] ?? 0) << 16) | ((sas[2] ?? 0) << 8) | (sas[3] ?? 0)) >>> 0;
  const out: SasSymbol[] = [];
  for (let i = 0; i < SAS_SYMBOL_COUNT; i++) {
    const index = (bits >>> (32 - 6 * (i + 1))) & 0x3f;
    const entry = SAS_SYMBOLS[index];
    if (entry === undefined) throw new Error('unreachable: SAS index out of range');
    out.push({ index, emoji: entry.emoji, en: entry.en, fr: entry.fr });
  }
  return out;
}

/**
 * The numeric fallback for people who cannot see or name emoji: 6 digits grouped as
 * "123 456". Computed as the 8 `sas` bytes (big-endian) modulo 10^6, whose bias is
 * negligible (about 10^6 / 2^64).
 *
 * @throws ParleyError `MALFORMED` if `sas` has fewer than 8 bytes.
 * @example
 * safetyNumber(keys.sas); // e.g. '042 917'
 */
export function safetyNumber(sas: Uint8Array): string {
  checkSas(sas, 8);
  const value = new DataView(sas.buffer, sas.byteOffset, 8).getBigUint64(0, false) % 1_000_000n;
  const digits = value.toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}
