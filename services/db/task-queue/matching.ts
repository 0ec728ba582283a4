/** A task queue's requirements, as the matcher compares them with a pilot's resources. */
export interface TaskQueueDefinition {
  tqId: number;
  owner: string;
  ownerGroup: string;
  vo: string;
  cpuTime: number;
  priority: number;
  sites: readonly string[];
  gridCEs: readonly string[];
  bannedSites: readonly string[];
  platforms: readonly string[];
  jobTypes: readonly string[];
  tags: readonly string[];
}
