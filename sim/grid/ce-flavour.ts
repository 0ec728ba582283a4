import type { CEConfig, Rng } from '../../services/core/index.ts';

/**
 * What differs between kinds of computing element, as a user of the grid notices it:
 * how a pilot reference looks, the batch system's own status names, and how pilots fail.
 * Latencies and probabilities come from each CE's Simulation section.
 */
export interface CeFlavour {
  readonly name: string;
  /** The pilot reference a CE of this kind hands back for the n-th submission. */
  reference(ce: string, n: number, rng: Rng): string;
  /** How the batch system calls a pilot waiting, running, finished, aborted. */
  readonly states: { waiting: string; running: string; done: string; aborted: string };
  /** What a failed pilot looks like here (the event log's reason). */
  readonly abortReason: string;
  /** Extra model seconds before a started pilot reaches its job agent (VM boot, image pull). */
  readonly bootS: number;
  /** Jobs pushed to the resource by an agent, not pulled by a pilot (HPC without outbound network). */
  readonly push: boolean;
}

/** `digits` random hex digits: batch ids, pilot stamps. */
export const hex = (rng: Rng, digits: number) =>
  Array.from({ length: digits }, () => rng.int(0, 15).toString(16)).join('');

const uuid = (rng: Rng) =>
  `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${((rng.int(0, 3) | 8) >>> 0).toString(16)}${hex(rng, 3)}-${hex(rng, 12)}`;

const HTCONDOR_STATES = { waiting: 'Idle', running: 'Running', done: 'Completed', aborted: 'Held' };
const SLURM_STATES = {
  waiting: 'PENDING',
  running: 'RUNNING',
  done: 'COMPLETED',
  aborted: 'FAILED',
};

export function ceFlavour(ce: CEConfig): CeFlavour {
  const push = ce.SubmissionMode === 'Push';
  switch (ce.CEType) {
    case 'HTCondorCE':
      return {
        name: 'HTCondorCE',
        reference: (host, n) => `htcondorce://${host}/${1000 + Math.floor(n / 10)}.${n % 10}`,
        states: HTCONDOR_STATES,
        abortReason: 'held by the schedd',
        bootS: 0,
        push,
      };
    case 'AREX':
      return {
        name: 'AREX',
        reference: (host, _n, rng) => `https://${host}:443/arex/${hex(rng, 10)}`,
        states: { waiting: 'Queuing', running: 'Running', done: 'Finished', aborted: 'Failed' },
        abortReason: 'failed at the ARC CE',
        bootS: 0,
        push,
      };
    case 'SSH': {
      const batch = (ce.BatchSystem ?? 'SLURM').toLowerCase();
      return {
        name: `SSH${ce.BatchSystem ?? 'SLURM'}${push ? ' (push)' : ''}`,
        reference: (host, n) => `ssh${batch}://${host}/${100000 + n}`,
        states: batch === 'slurm' ? SLURM_STATES : HTCONDOR_STATES,
        abortReason: `killed by ${ce.BatchSystem ?? 'SLURM'}`,
        bootS: 0,
        push,
      };
    }
    case 'Cloud':
      return {
        name: 'Cloud',
        reference: (_host, _n, rng) => `cloud://${uuid(rng)}`,
        states: { waiting: 'PENDING', running: 'RUNNING', done: 'STOPPED', aborted: 'ERROR' },
        abortReason: 'the VM failed to boot',
        bootS: 90,
        push,
      };
  }
}
