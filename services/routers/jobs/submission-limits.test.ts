import { afterAll, describe, expect, it } from 'vitest';
import { testBox } from '../../app/test-box.testkit.ts';

// DiracX (diracx-logic jobs/submission.py, MAX_PARAMETRIC_JOBS) caps the jobs one request
// creates at 20, counted after a parametric JDL is expanded, and the cap is the same for
// every identity allowed to submit: production managers and administrators included.
const box = await testBox();
afterAll(() => box.close());

const PRODUCTION = ['NormalUser', 'ProductionManagement', 'JobAdministrator', 'JobSharing'];
const jdls = (n: number) =>
  Array.from({ length: n }, (_, i) => `Executable = "x"; JobName = "j${i}"`);
const parametric = (n: number) => [
  `Executable = "x"; Arguments = "%s"; Parameters = {${Array.from({ length: n }, (_, i) => i).join(', ')}}`,
];

describe('the number of jobs one submission creates', () => {
  it.each([
    { name: '20 JDLs', body: jdls(20), jobs: 20 },
    { name: 'a parametric JDL of 20', body: parametric(20), jobs: 20 },
    {
      name: 'a parametric JDL of 20 counted',
      body: [`Executable = "x"; Parameters = 20`],
      jobs: 20,
    },
  ])('accepts $name from a normal user and from production alike', async ({ body, jobs }) => {
    for (const properties of [['NormalUser'], PRODUCTION]) {
      const token = await box.token({ properties, lifetimeMinutes: 20 });
      const response = await box.inject('POST', '/api/jobs/jdl', token, body);
      expect(response.statusCode).toBe(201);
      expect(response.json()).toHaveLength(jobs);
    }
  });

  it.each([
    { name: '21 JDLs', body: jdls(21) },
    { name: 'a parametric JDL of 21', body: parametric(21) },
    { name: 'a parametric JDL of 21 counted', body: [`Executable = "x"; Parameters = 21`] },
    { name: 'two parametric JDLs of 10', body: [...parametric(10), ...parametric(10)] },
  ])('refuses $name with a 400, from production too', async ({ body }) => {
    for (const properties of [['NormalUser'], PRODUCTION]) {
      const token = await box.token({ properties, lifetimeMinutes: 20 });
      const response = await box.inject('POST', '/api/jobs/jdl', token, body);
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(
        /cannot submit more than 20 jobs at once|parametric jobs in a bulk fashion/,
      );
    }
  });
});
