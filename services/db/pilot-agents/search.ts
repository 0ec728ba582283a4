import type { SearchableColumns } from '../sql/search.ts';

/** The columns of PilotAgents that searches may name. */
export const PILOT_COLUMNS: SearchableColumns = {
  PilotID: 'integer',
  InitialJobID: 'integer',
  CurrentJobID: 'integer',
  PilotJobReference: 'string',
  PilotStamp: 'string',
  DestinationSite: 'string',
  Queue: 'string',
  GridSite: 'string',
  VO: 'string',
  GridType: 'string',
  BenchMark: 'number',
  SubmissionTime: 'datetime',
  LastUpdateTime: 'datetime',
  Status: 'string',
  StatusReason: 'string',
  AccountingSent: 'flag',
};
