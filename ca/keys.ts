import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

const RSA_BITS = 2048;

/**
 * A fresh RSA key. Node's native generator takes milliseconds where forge's pure-JS one
 * takes seconds; forge then only signs.
 */
export function generateRsaKey(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: RSA_BITS,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
}

export function publicKeyOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}
