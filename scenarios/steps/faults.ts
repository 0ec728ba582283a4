import type { Step } from '../model.ts';
import type { ScenarioContext } from '../context.ts';

/** A site of the grid by its index in name order, or the one with the most live pilots. */
export type SiteSpec = number | 'busiest';

function remembered(ctx: ScenarioContext, key: string, what: string): string {
  const value = ctx.memo.get(key);
  if (value === undefined) throw new Error(`no earlier step ${what}`);
  return value;
}

export function siteName(ctx: ScenarioContext, spec: SiteSpec): string {
  if (spec === 'busiest') {
    const bySite = new Map<string, number>();
    for (const pilot of ctx.world.controls.pilots.values())
      bySite.set(pilot.site, (bySite.get(pilot.site) ?? 0) + 1);
    const busiest = [...bySite].sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1))[0];
    if (busiest === undefined) throw new Error('no site has a live pilot');
    return busiest[0];
  }
  const sites = Object.values(ctx.target.fixtureSet.config.Resources.Sites)
    .flatMap((byName) => Object.keys(byName))
    .sort();
  const site = sites[spec];
  if (site === undefined) throw new Error(`the grid has no site number ${spec}`);
  return site;
}

function cesOf(ctx: ScenarioContext, site: string): string[] {
  for (const sites of Object.values(ctx.target.fixtureSet.config.Resources.Sites))
    if (sites[site] !== undefined) return Object.keys(sites[site].CEs).sort();
  return [];
}

/** The batch systems kill a share of the live pilots (of one site, or everywhere). */
export function killPilots(options: { site?: SiteSpec; fraction: number }): Step {
  const where = options.site === undefined ? 'everywhere' : `at site ${options.site}`;
  return {
    kind: 'fault.kill-pilots',
    title: `kill ${Math.round(options.fraction * 100)}% of the live pilots ${where}`,
    run: async (ctx) => {
      const site = options.site === undefined ? undefined : siteName(ctx, options.site);
      const live = [...ctx.world.controls.pilots.values()]
        .filter((p) => !p.killed && (site === undefined || p.site === site))
        .sort((a, b) => (a.stamp < b.stamp ? -1 : 1));
      const count = Math.ceil(live.length * options.fraction);
      const rng = ctx.world.rng.fork(`kill/${ctx.faults.length}`);
      const chosen = live
        .map((pilot) => ({ pilot, key: rng.next() }))
        .sort((a, b) => a.key - b.key)
        .slice(0, count);
      const killed = new Set(chosen.map(({ pilot }) => pilot.stamp));
      for (const [job, pilot] of ctx.jobPilot)
        if (killed.has(pilot) && ['Matched', 'Running'].includes(ctx.jobStatus.get(job) ?? ''))
          ctx.orphans.add(job);
      for (const { pilot } of chosen) {
        pilot.killed = true;
        ctx.record('fault.pilot-killed', { pilot: pilot.stamp, site: pilot.site });
      }
      ctx.instantFault('kill-pilots', site ?? 'all sites', `${count} of ${live.length} pilots`);
    },
  };
}

/** Every CE of a site stops taking pilots (`up` lifts it). */
export function ceDown(spec: SiteSpec): Step {
  return {
    kind: 'fault.ce-down',
    title: `the CEs of site ${spec} go down`,
    run: async (ctx) => {
      const site = siteName(ctx, spec);
      ctx.memo.set('ce-down-site', site);
      for (const ce of cesOf(ctx, site)) ctx.world.controls.downCes.add(ce);
      ctx.openFault(`ce/${site}`, 'ce-down', site, cesOf(ctx, site).join(', '));
    },
  };
}

/** The CEs taken down last come back. */
export function ceUp(): Step {
  return {
    kind: 'fault.ce-up',
    title: 'the CEs come back',
    run: async (ctx) => {
      const site = remembered(ctx, 'ce-down-site', 'took CEs down');
      for (const ce of cesOf(ctx, site)) ctx.world.controls.downCes.delete(ce);
      ctx.closeFault(`ce/${site}`);
    },
  };
}

/**
 * Each VO's administrator bans the site in the resource status system (DiracX's RSS
 * route): the SiteDirector sends no more pilots there, and the matcher gives its pilots
 * no jobs.
 */
export function banSite(spec: SiteSpec): Step {
  return {
    kind: 'fault.ban-site',
    title: `ban site ${spec}`,
    run: async (ctx) => {
      const site = siteName(ctx, spec);
      ctx.memo.set('banned-site', site);
      for (const vo of loggedInVos(ctx))
        await ctx.admin(vo).setSiteStatus(site, 'Banned', 'scenario: site ban');
      ctx.openFault(`ban/${site}`, 'site-ban', site, 'Banned in the site mask');
    },
  };
}

/** The site banned last is allowed again. */
export function unbanSite(): Step {
  return {
    kind: 'fault.unban-site',
    title: 'allow the banned site again',
    run: async (ctx) => {
      const site = remembered(ctx, 'banned-site', 'banned a site');
      for (const vo of loggedInVos(ctx))
        await ctx.admin(vo).setSiteStatus(site, 'Active', 'scenario: ban lifted');
      ctx.closeFault(`ban/${site}`);
    },
  };
}

/** A storage element of the SE-USER group by index in name order, or the busiest site's own. */
export type SeSpec = number | 'busiest';

function seName(ctx: ScenarioContext, spec: SeSpec): string {
  const config = ctx.target.fixtureSet.config.Resources;
  if (spec === 'busiest') {
    const site = siteName(ctx, 'busiest');
    for (const sites of Object.values(config.Sites)) {
      const se = sites[site]?.SE[0];
      if (se !== undefined) return se;
    }
    throw new Error(`site ${site} has no storage element`);
  }
  const se = [...(config.StorageElementGroups['SE-USER'] ?? [])].sort()[spec];
  if (se === undefined) throw new Error(`SE-USER has no storage element number ${spec}`);
  return se;
}

/** A storage element stops answering (`seRestore` brings it back, its files intact). */
export function seOutage(spec: SeSpec): Step {
  return {
    kind: 'fault.se-outage',
    title: `storage element ${spec} goes down`,
    run: async (ctx) => {
      const se = seName(ctx, spec);
      const element = ctx.storage.get(se);
      if (element === undefined) throw new Error(`the grid has no storage element ${se}`);
      element.down = true;
      ctx.memo.set('se-down', se);
      ctx.openFault(`se/${se}`, 'se-outage', se, 'does not answer');
    },
  };
}

/** The storage element last taken down comes back. */
export function seRestore(): Step {
  return {
    kind: 'fault.se-restore',
    title: 'the storage element comes back',
    run: async (ctx) => {
      const se = remembered(ctx, 'se-down', 'took a storage element down');
      const element = ctx.storage.get(se)!;
      element.down = false;
      ctx.closeFault(`se/${se}`);
    },
  };
}

/** Calls from worker nodes to the services take `delayS` model seconds longer. */
export function slowNetwork(delayS: number): Step {
  return {
    kind: 'fault.slow-network',
    title: `the network between pilots and services slows by ${delayS} s a call`,
    run: async (ctx) => {
      ctx.world.controls.networkDelayS = delayS;
      ctx.openFault('network', 'slow-network', 'pilots ↔ services', `${delayS} s per call`);
    },
  };
}

export function healNetwork(): Step {
  return {
    kind: 'fault.heal-network',
    title: 'the network recovers',
    run: async (ctx) => {
      ctx.world.controls.networkDelayS = 0;
      ctx.closeFault('network');
    },
  };
}

/** The user logs out: their refresh token is revoked at the server. */
export function revokeRefreshToken(alias: string): Step {
  return {
    kind: 'fault.revoke-refresh-token',
    title: `${alias}'s refresh token is revoked`,
    needs: ['identities'],
    run: async (ctx) => {
      await ctx.user(alias).session.revoke();
      ctx.instantFault('token-revoked', alias, 'refresh token revoked');
    },
  };
}

/** The services stop and start again on the same database, as after a crash or an upgrade. */
export function restartService(): Step {
  return {
    kind: 'fault.service-restart',
    title: 'restart the services on their database',
    needs: ['restart'],
    run: async (ctx) => {
      const restart = ctx.target.restart;
      if (restart === undefined) throw new Error('this target cannot be restarted');
      ctx.openFault('restart', 'service-restart', 'services', 'stopped and started');
      await restart();
      ctx.closeFault('restart');
    },
  };
}

function loggedInVos(ctx: ScenarioContext): string[] {
  return [...new Set(ctx.aliases().map((alias) => ctx.user(alias).identity.vo))].sort();
}
