/**
 * DIRAC's security properties, which groups grant and scopes may ask for (DiracX's
 * `diracx.core.properties`). Extensions will add theirs to this list.
 */
export const SECURITY_PROPERTIES: readonly string[] = [
  'TrustedHost',
  'NormalUser',
  'CSAdministrator',
  'JobSharing',
  'ServiceAdministrator',
  'JobAdministrator',
  'JobMonitor',
  'AccountingMonitor',
  'Pilot',
  'GenericPilot',
  'SiteManager',
  'UserManager',
  'Operator',
  'FullDelegation',
  'LimitedDelegation',
  'PrivateLimitedDelegation',
  'ProxyManagement',
  'ProductionManagement',
  'PPGAuthority',
  'BookkeepingManagement',
  'AlarmsManagement',
  'FileCatalogManagement',
  'StageAllowed',
];
