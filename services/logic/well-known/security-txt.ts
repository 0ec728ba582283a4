import type { Config } from '../../core/index.ts';

const YEAR_MS = 365 * 24 * 3_600_000;

/**
 * RFC 9116's security.txt for this installation: a Contact per VO support address (mail,
 * then webpage, each once), an Expires a year from now (the RFC advises less than a year's
 * validity; an installation's clock keeps it fresh), and English. Without any support
 * address the box's own discovery document is the contact, so the file is never invalid.
 */
export function securityTxt(config: Config, nowMs: number, fallbackContact: string): string {
  const contacts = new Set<string>();
  for (const info of Object.values(config.Registry)) {
    if (info.Support.Email) contacts.add(`mailto:${info.Support.Email}`);
    if (info.Support.Webpage) contacts.add(info.Support.Webpage);
  }
  if (contacts.size === 0) contacts.add(fallbackContact);
  const expires = new Date(Math.floor((nowMs + YEAR_MS) / 1000) * 1000).toISOString();
  return [
    ...[...contacts].map((c) => `Contact: ${c}`),
    `Expires: ${expires}`,
    'Preferred-Languages: en',
    '',
  ].join('\n');
}
