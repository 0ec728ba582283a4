import { createHash, randomBytes } from 'node:crypto';
import { type Clock, type Config, ConflictError, InvalidRequestError } from '../../core/index.ts';
import type { PilotAgentsDB } from '../../db/index.ts';

export interface PilotRegistration {
  pilot_stamp: string;
  vo: string;
  grid_type: string;
  grid_site: string;
  destination_site: string;
  pilot_reference?: string | undefined;
  pilot_status: string;
}

export interface RegisteredPilot {
  pilot_stamp: string;
  /** Shown once: the pilot trades it for tokens at POST /api/auth/pilot-token. */
  pilot_secret: string;
  pilot_secret_expires_in: number;
}

export interface PilotDeps {
  pilotAgentsDb: PilotAgentsDB;
  config: Config;
  clock: Clock;
  secretLifetimeS: number;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Registers a pilot as DiracX does (the VO must exist, the stamp must be new) and gives it
 * a secret, the credential DiracX's design moves pilots to instead of proxies.
 */
export async function registerPilot(
  deps: PilotDeps,
  pilot: PilotRegistration,
): Promise<RegisteredPilot> {
  if (deps.config.Registry[pilot.vo] === undefined)
    throw new InvalidRequestError(`VO ${pilot.vo} is not known to this installation`);
  if ((await deps.pilotAgentsDb.existingStamps([pilot.pilot_stamp])).length > 0) {
    throw new ConflictError(`Pilot ${pilot.pilot_stamp} already exists`);
  }
  const secret = randomBytes(32).toString('base64url');
  await deps.pilotAgentsDb.registerPilots(
    [
      {
        stamp: pilot.pilot_stamp,
        vo: pilot.vo,
        gridType: pilot.grid_type,
        gridSite: pilot.grid_site,
        destinationSite: pilot.destination_site,
        reference: pilot.pilot_reference ?? pilot.pilot_stamp,
        status: pilot.pilot_status,
      },
    ],
    [
      {
        stamp: pilot.pilot_stamp,
        vo: pilot.vo,
        hashedSecret: hashSecret(secret),
        expiresMs: deps.clock.nowMs() + deps.secretLifetimeS * 1000,
      },
    ],
    deps.clock,
  );
  return {
    pilot_stamp: pilot.pilot_stamp,
    pilot_secret: secret,
    pilot_secret_expires_in: deps.secretLifetimeS,
  };
}
