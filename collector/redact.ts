// Content mode `redacted`: masks personal data and credentials in every string of a
// record's request and response. Pure functions.
//
// What is masked, and as what:
//   [EMAIL]   addresses like a.b+c@example.co.uk
//   [SECRET]  API keys (sk-…, sk-ant-…, AKIA…/ASIA…, ghp_…, xox?-…, AIza…), JWTs, bearer
//             tokens (the word Bearer stays), PEM private keys, and generic long secrets:
//             32+ hex digits, or 40+ base64 characters mixing letters and digits
//   [CARD]    13–19 digit card numbers (spaces or dashes allowed) passing the Luhn check
//   [PHONE]   +CC international numbers (8–15 digits) and NANP numbers with separators
// Masking is deliberately greedy: a masked id costs little, a leaked key costs a lot.
//
// Speed matters (every record of a `redacted` workload passes here): each pass runs only
// when a cheap test says it can match, and every pattern starts on a distinctive
// character or at a token boundary, so a string is scanned a few times at most, never
// once per position.

const tokenChar = 'A-Za-z0-9+/_=-';
const secretPattern = new RegExp(
  [
    String.raw`(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
    String.raw`\bsk-ant-[A-Za-z0-9_-]{8,}`,
    String.raw`\bsk-[A-Za-z0-9_-]{16,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`\b[0-9a-fA-F]{32,}\b`,
    // Generic base64 / base64url, starting only where a token starts.
    `(?<![${tokenChar}])([${tokenChar}]{40,})`,
  ].join('|'),
  'g',
);
const digit = /\d/;
const numberPattern = /(\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5})|(\b\d(?:[ -]?\d){12,18}\b)|(\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b)/g;
const emailDomain = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/y;
const hasDigit = /\d/;
const hasLetter = /[A-Za-z]/;

/** True when the digits pass the Luhn checksum (card numbers do, most other numbers not). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n += 1;
  }
  return n;
}

function isTokenChar(c: number): boolean {
  // A-Z a-z 0-9 + / _ = -
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 95 || c === 61 || c === 45;
}

/** Cheap test before the secret patterns: a token run of 15+ characters, or a keyword. */
function mayHoldSecret(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (isTokenChar(text.charCodeAt(i))) {
      run += 1;
      if (run >= 15) return true;
    } else {
      run = 0;
    }
  }
  return text.includes('Bearer') || text.includes('PRIVATE KEY');
}

function maskSecret(match: string, bearer: string | undefined, base64: string | undefined): string {
  if (bearer !== undefined) return `${bearer}[SECRET]`;
  // Long plain words or paths are not secrets: generic tokens must mix letters and digits.
  if (base64 !== undefined) return hasDigit.test(base64) && hasLetter.test(base64) ? '[SECRET]' : match;
  return '[SECRET]';
}

function maskNumber(match: string, intl: string | undefined, card: string | undefined): string {
  if (intl !== undefined) {
    const n = countDigits(intl);
    return n >= 8 && n <= 15 ? '[PHONE]' : match;
  }
  if (card !== undefined) return luhnValid(card.replace(/[ -]/g, '')) ? '[CARD]' : match;
  return '[PHONE]';
}

function isLocalPartChar(c: number): boolean {
  // A-Z a-z 0-9 . _ % + -
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

/** Emails found from each '@' outwards: linear however long the text. */
function maskEmails(text: string): string {
  let out = '';
  let copied = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > copied && at - start < 64 && isLocalPartChar(text.charCodeAt(start - 1))) start -= 1;
    while (start < at && text.charCodeAt(start) === 46) start += 1;
    emailDomain.lastIndex = at + 1;
    const domain = start < at ? emailDomain.exec(text) : null;
    if (domain !== null) {
      out += `${text.slice(copied, start)}[EMAIL]`;
      copied = at + 1 + domain[0].length;
      at = text.indexOf('@', copied);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Masks personal data and credentials in one string. */
export function redactText(text: string): string {
  // The shortest thing masked is an email like a@b.cc.
  if (text.length < 6) return text;
  let out = text;
  if (out.includes('@')) out = maskEmails(out);
  if (mayHoldSecret(out)) out = out.replace(secretPattern, maskSecret as (match: string, ...groups: string[]) => string);
  if (digit.test(out)) out = out.replace(numberPattern, maskNumber as (match: string, ...groups: string[]) => string);
  return out;
}

/** Copies a JSON value with every string (not the object keys) passed through redactText. */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key in value) out[key] = redactDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
