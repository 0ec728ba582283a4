import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import { createRng } from '../../services/core/index.ts';
import { gridQueues } from './grid.ts';

const { config } = generateFixtures({ seed: 2, size: 'small' });
const queues = gridQueues(config, createRng(1));

describe('the simulated grid', () => {
  it('has one queue per CE queue of the configuration, each with its CE kind', () => {
    const configured = Object.values(config.Resources.Sites)
      .flatMap((sites) => Object.values(sites))
      .flatMap((site) => Object.values(site.CEs))
      .reduce((n, ce) => n + Object.keys(ce.Queues).length, 0);
    expect(queues).toHaveLength(configured);
    expect(new Set(queues.map((q) => q.flavour.name))).toEqual(
      new Set(['HTCondorCE', 'AREX', 'SSHSLURM', 'SSHCondor', 'Cloud', 'SSHSLURM (push)']),
    );
  });

  it('gives pilots the references each kind of CE hands out', () => {
    const rng = createRng(5);
    const reference = (name: string, n: number) => {
      const queue = queues.find((q) => q.flavour.name === name)!;
      return { ce: queue.ce, ref: queue.flavour.reference(queue.ce, n, rng) };
    };
    const condor = reference('HTCondorCE', 13);
    expect(condor.ref).toBe(`htcondorce://${condor.ce}/1001.3`);
    const arc = reference('AREX', 0);
    expect(arc.ref).toMatch(new RegExp(`^https://${arc.ce}:443/arex/[0-9a-f]{10}$`));
    const slurm = reference('SSHSLURM', 42);
    expect(slurm.ref).toBe(`sshslurm://${slurm.ce}/100042`);
    const sshCondor = reference('SSHCondor', 7);
    expect(sshCondor.ref).toBe(`sshcondor://${sshCondor.ce}/100007`);
    expect(reference('Cloud', 0).ref).toMatch(
      /^cloud:\/\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('derives CPU power and wall-clock limits from the queue as DIRAC does', () => {
    for (const queue of queues) {
      // DIRAC: a queue's CPU time is maxCPUTime[min] × SI00 × 60 / 250 HS06·s.
      const cpuTime = queue.config.maxCPUTime * queue.config.SI00 * (60 / 250);
      expect(queue.wallLimitS * queue.cpuPower).toBeCloseTo(cpuTime);
    }
    expect(queues.filter((q) => q.flavour.push).map((q) => q.ceConfig.SubmissionMode)).toEqual([
      'Push',
    ]);
  });
});
