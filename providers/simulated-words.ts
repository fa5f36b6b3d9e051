// The word bank of the simulated provider and the prose built from it: topic words taken
// from the prompt, template sentences, and the per-word `variability` noise.

import { seededRandom } from '../core/clock.ts';
import type { Random } from '../core/clock.ts';
import type { ChatMessage } from '../schemas/index.ts';
import { messageText } from './simulated-hash.ts';

// Each group is one word and its alternatives, same part of speech; slots use the first
// word, `variability` swaps any grouped word for another of its group.
const wordTable = {
  adj: 'important significant notable relevant|reliable dependable consistent stable|simple straightforward plain easy|practical useful workable handy|careful thorough methodical diligent|common typical usual frequent|clear explicit obvious evident|efficient effective productive economical|flexible adaptable versatile adjustable|modest limited minor small',
  noun: 'approach method strategy technique|result outcome effect consequence|detail aspect element feature|process procedure workflow routine|option choice alternative possibility|issue problem concern difficulty|goal objective aim target|change adjustment modification update|step stage phase move|source reference resource origin|context setting situation background|benefit advantage gain upside',
  verb: 'improves enhances strengthens boosts|supports assists aids serves|affects influences shapes impacts|requires needs demands involves|explains clarifies describes illustrates|reduces lowers limits decreases',
  base: 'review examine inspect check|consider weigh evaluate assess|compare contrast benchmark measure|adjust tune refine tweak|document record note track',
  adv: 'usually typically generally often|quickly rapidly promptly swiftly|carefully cautiously deliberately attentively',
  glue: 'found learned gathered discovered|main key central primary|point idea takeaway message|overall altogether broadly ultimately|cases situations instances scenarios|remains stays seems appears|should could might may',
};
type WordClass = keyof typeof wordTable;
export const wordGroups = {} as Record<WordClass, readonly (readonly string[])[]>;
for (const key of Object.keys(wordTable) as WordClass[]) wordGroups[key] = wordTable[key].split('|').map((group) => group.split(' '));

const groupOfWord = new Map<string, readonly string[]>();
for (const groups of Object.values(wordGroups)) for (const group of groups) for (const word of group) groupOfWord.set(word, group);

const opening = 'Here is what I found about {T}.';
const templates = [
  'The main point is that {t} {verb} the {noun} in a {adj} way.',
  'In most cases, the {adj} {noun} {adv} {verb} the {noun} of {t}.',
  'You should also {base} the {noun} before you {base} {t}.',
  'A {adj} {noun} for {t} {adv} {verb} the {noun}.',
  'Overall, {t} remains {adj} when the {noun} is {adj}.',
  'It is wise to {base} each {noun} and keep the {noun} {adj}.',
  'The {noun} {verb} the {noun}, so {t} {adv} stays {adj}.',
  'For {t}, the {adj} {noun} is to {base} the {noun} first.',
];

const stopWords = new Set(
  ('what which that this with from about have does your would could should there their please tell explain give into when where will ' +
    'they them then than also some more most much many very just like make need want know help using these those been were being here ' +
    'only other each such same how why who whom whose can may might must shall our ours you yours mine the and for are was not but all any').split(' '),
);

export function topicWords(messages: readonly ChatMessage[], hash: number): string[] {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = lastUser === undefined ? messages.map(messageText).join(' ') : messageText(lastUser);
  const words = [...new Set(Array.from(text.toLowerCase().matchAll(/[a-z]{4,}/g), ([word]) => word))].filter((w) => !stopWords.has(w));
  // The longest words are the likeliest content words; they keep the prompt's order.
  const longest = new Set([...words].sort((a, b) => b.length - a.length).slice(0, 3));
  const topics = words.filter((w) => longest.has(w));
  if (topics.length > 0) return topics;
  const rng = seededRandom(hash);
  return [pick(rng, wordGroups.noun)[0] ?? 'topic', pick(rng, wordGroups.noun)[0] ?? 'topic'];
}

export const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

export function textAnswer(hash: number, topics: readonly string[], verbosity: number): string {
  const rng = seededRandom(hash);
  const count = Math.max(1, Math.round(3 * verbosity));
  const phrase = topics.length === 1 ? topics[0] : `${topics.slice(0, -1).join(', ')} and ${topics.at(-1)}`;
  const sentences = [fill(opening, rng, topics, phrase ?? '')];
  let last = -1;
  while (sentences.length < count) {
    let index = Math.floor(rng() * templates.length);
    if (index === last) index = (index + 1) % templates.length;
    last = index;
    sentences.push(fill(templates[index] ?? '', rng, topics, phrase ?? ''));
  }
  return sentences.join(' ');
}

function fill(template: string, rng: Random, topics: readonly string[], phrase: string): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    if (slot === 'T') return phrase;
    if (slot === 't') return pick(rng, topics);
    return pick(rng, wordGroups[slot as WordClass])[0] ?? slot;
  });
}

export function varyWords(text: string, rate: number, random: Random): string {
  if (rate <= 0) return text;
  return text.replace(/[A-Za-z]+/g, (word) => {
    const lower = word.toLowerCase();
    const group = groupOfWord.get(lower);
    if (group === undefined || random() >= rate) return word;
    const others = group.filter((w) => w !== lower);
    const swap = pick(random, others);
    return word[0] === lower[0] ? swap : swap[0]?.toUpperCase() + swap.slice(1);
  });
}

export function fixArticles(text: string): string {
  return text.replace(/\b([Aa])n? (?=([A-Za-z]))/g, (_, a: string, next: string) => (/[aeiou]/i.test(next) ? `${a}n ` : `${a} `));
}
