import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { httpTransport } from '../client/index.ts';
import { generateFixtures } from '../fixtures/index.ts';
import { legacyLogin } from '../scenarios/index.ts';
import { buildApp } from '../services/app/index.ts';
import { snapshotOf, staticConfigSource, systemClock } from '../services/core/index.ts';

/**
 * Someone else's server for `--target` tests: the services of the fixtures a run assumes
 * (seed 1, small) listening on loopback, with DiracX's legacy exchange so that the test can
 * get a VO administrator's token, as an operator would hand one out.
 */
export async function startTargetServer() {
  const fixtureSet = generateFixtures({ seed: 1, size: 'small' });
  const apiKey = Buffer.from('the legacy-exchange key of the test server');
  const app = await buildApp({
    configSource: staticConfigSource(
      snapshotOf(fixtureSet.config, Date.parse(fixtureSet.meta.refDate)),
    ),
    auth: {
      settings: {
        legacyExchangeHashedApiKey: createHash('sha256').update(apiKey).digest('hex'),
      },
    },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const admin = fixtureSet.users.find(
      (u) => u.vo === 'catalyst' && u.groups.includes('catalyst_admin'),
    );
    if (admin === undefined) throw new Error('the fixtures have no administrator of catalyst');
    const session = await legacyLogin(
      httpTransport(url),
      systemClock,
      apiKey.toString('base64url'),
      { username: admin.username, vo: 'catalyst', group: 'catalyst_admin' },
    );
    return { url, token: session.token, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}
