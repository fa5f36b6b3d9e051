import { hash } from 'node:crypto';

/** sha256 as lowercase hex; the one-shot crypto.hash is ~2× createHash for short inputs. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
