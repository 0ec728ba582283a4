import type { SearchableColumns } from '../sql/search.ts';

/** The columns of Jobs that searches may name, select, sort and group by. */
export const JOB_COLUMNS: SearchableColumns = {
  JobID: 'integer',
  JobType: 'string',
  JobGroup: 'string',
  Site: 'string',
  JobName: 'string',
  Owner: 'string',
  OwnerGroup: 'string',
  VO: 'string',
  SubmissionTime: 'datetime',
  RescheduleTime: 'datetime',
  LastUpdateTime: 'datetime',
  StartExecTime: 'datetime',
  HeartBeatTime: 'datetime',
  EndExecTime: 'datetime',
  Status: 'string',
  MinorStatus: 'string',
  ApplicationStatus: 'string',
  UserPriority: 'integer',
  RescheduleCounter: 'integer',
  VerifiedFlag: 'flag',
  AccountedFlag: 'flag',
};
