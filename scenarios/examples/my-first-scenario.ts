import { type Scenario, steps } from '../index.ts';

const { login, submit, startGrid, advance, seOutage, seRestore, waitFor, when } = steps;
const { expectJobs, expectInvariants, expectOutputsRegistered, expectThat } = steps;

const scenario: Scenario = {
  name: 'my-first-scenario',
  description: 'Twenty jobs run while a storage element is down for half an hour.',
  steps: [
    login('alice'),
    submit('alice', 20, { shape: { runS: [1200, 3600] } }),
    startGrid(),
    advance(600),
    seOutage(0),
    advance(1800),
    seRestore(),
    waitFor('every job has ended', when.allEnded, 12 * 3600),
    expectJobs({ Done: 20, Failed: 0 }),
    expectInvariants(),
    expectOutputsRegistered(1),
    expectThat('outputs were written to storage', (ctx) => {
      const writes = ctx.events.filter((e) => e.kind === 'transfer.write').length;
      return { passed: writes >= 20, message: `${writes} files written` };
    }),
  ],
};

export default scenario;
