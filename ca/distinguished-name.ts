import type forge from 'node-forge';

export type NameAttribute = { shortName: string; value: string };

/**
 * DIRAC writes distinguished names in the OpenSSL "slash" form, most significant first:
 * `/O=GridBox/OU=lhcb/CN=alice`. These convert between that form and forge's attributes.
 */
export function parseDn(dn: string): NameAttribute[] {
  if (!dn.startsWith('/')) throw new Error(`a DN starts with "/": ${dn}`);
  return dn
    .slice(1)
    .split('/')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`not a DN component: ${part}`);
      return { shortName: part.slice(0, eq), value: part.slice(eq + 1) };
    });
}

export function formatDn(
  attributes: readonly { shortName?: string; type?: string; value?: unknown }[],
): string {
  return attributes.map((a) => `/${a.shortName ?? a.type}=${String(a.value)}`).join('');
}

export function dnOf(subject: forge.pki.Certificate['subject']): string {
  return formatDn(subject.attributes);
}
