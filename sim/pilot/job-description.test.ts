import { describe, expect, it } from 'vitest';
import { describePayload, outputLfn } from './job-description.ts';

describe('what a worker node reads from a JDL', () => {
  it('takes the modelled work and outputs from the arguments, data and sandboxes from the JDL', () => {
    const payload = describePayload(`[
      Executable = "gridbox-payload";
      Arguments = "--work 36000 --output-bytes 512";
      CPUTime = 54000;
      NumberOfProcessors = 4;
      InputSandbox = {"SB:SandboxSE|/S3/sandboxes/lhcb/lhcb_user/alice/sha256:ab.tar.bz2"};
      InputData = {"LFN:/lhcb/data/a.dst", "LFN:/lhcb/data/b.dst"};
      OutputData = {"out.dat"};
      OutputSE = "CERN-DISK";
    ]`);
    expect(payload).toEqual({
      work: 36000,
      outputBytes: 512,
      processors: 4,
      inputSandbox: ['SB:SandboxSE|/S3/sandboxes/lhcb/lhcb_user/alice/sha256:ab.tar.bz2'],
      inputData: ['/lhcb/data/a.dst', '/lhcb/data/b.dst'],
      outputData: ['out.dat'],
      outputSE: 'CERN-DISK',
      jobType: 'User',
      failureProbability: 0,
    });
  });

  it("runs any JDL: half its CPUTime of work, DIRAC's SE-USER for outputs", () => {
    expect(describePayload('Executable = "/bin/true"; CPUTime = 1000')).toMatchObject({
      work: 500,
      outputBytes: 1024,
      processors: 1,
      inputData: [],
      outputData: [],
      outputSE: 'SE-USER',
      jobType: 'User',
      failureProbability: 0,
    });
  });

  it("puts outputs where DIRAC's JobWrapper does by default", () => {
    expect(outputLfn('lhcb', 'alice', 123456, 'out.dat')).toBe(
      '/lhcb/user/a/alice/123/123456/out.dat',
    );
  });
});
