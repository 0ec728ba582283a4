import type { Config } from '../../core/index.ts';

export interface InstallationMetadata {
  virtual_organizations: Record<
    string,
    {
      groups: Record<string, { properties: string[] }>;
      support: { message: string; webpage: string | null; email: string | null };
      default_group: string;
    }
  >;
}

/** What `dirac login` reads before it starts a flow: VOs, their groups and support. */
export function installationMetadata(config: Config): InstallationMetadata {
  const virtual_organizations: InstallationMetadata['virtual_organizations'] = {};
  for (const [vo, info] of Object.entries(config.Registry)) {
    virtual_organizations[vo] = {
      groups: Object.fromEntries(
        Object.entries(info.Groups).map(([group, g]) => [
          group,
          { properties: [...g.Properties].sort() },
        ]),
      ),
      support: {
        message: info.Support.Message,
        webpage: info.Support.Webpage,
        email: info.Support.Email,
      },
      default_group: info.DefaultGroup,
    };
  }
  return { virtual_organizations };
}
