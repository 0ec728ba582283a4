import type { NewJob } from './job-db.ts';

// A job as submission hands it to JobDB, for the DB conformance checks and tests.

/**
 * A Received job of alice's named `name`, whose JDL's Arguments is its own id (`%j`), with
 * `inputData` and a minor status (`Job accepted` unless told).
 */
export function newJob(
  name: string,
  inputData: string[] = [],
  minorStatus = 'Job accepted',
): NewJob {
  return {
    originalJdl: `[ Executable = "run.sh"; JobName = "${name}"; Arguments = "%j" ]`,
    jdl: (id) => `[ Executable = "run.sh"; JobName = "${name}"; Arguments = "${id}" ]`,
    jobRequirements: '[ CPUTime = 3600 ]',
    attributes: {
      JobName: name,
      Owner: 'alice',
      OwnerGroup: 'lhcb_user',
      VO: 'lhcb',
      Status: 'Received',
      MinorStatus: minorStatus,
      ApplicationStatus: 'Unknown',
      SubmissionTime: '2026-06-01 12:00:00',
      LastUpdateTime: '2026-06-01 12:00:00',
      UserPriority: 1,
      VerifiedFlag: 'True',
    },
    inputData,
  };
}
