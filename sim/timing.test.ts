import { describe, expect, it } from 'vitest';
import { timingFromOptions } from './timing.ts';

describe('DIRAC options of a simulated grid', () => {
  it.each([
    [['Watchdog/CheckingTime=900'], { heartbeatS: 900 }],
    [['JobAgent/FillingModeFlag=False'], { fillingMode: false }],
    [
      ['JobAgent/StopAfterFailedMatches=0', 'JobAgent/PollingTime=60'],
      { stopAfterFailedMatches: 0, pollingS: 60 },
    ],
    [['SiteDirector/MaxPilotsToSubmit= 20'], { maxPilotsToSubmit: 20 }],
    [[], {}],
  ])('%j sets %j', (settings, timing) => {
    expect(timingFromOptions(settings)).toEqual(timing);
  });

  it.each([
    ['SiteDirector/Nap=5', /one of SiteDirector\/PollingTime/],
    ['JobAgent/PollingTime', /JobAgent\/PollingTime is an integer of at least 1/],
    ['JobAgent/MinimumTimeLeft=1.5', /at least 0/],
    ['JobAgent/FillingModeFlag=yes', /true or false/],
    ['__proto__=1', /one of/],
  ])('refuses %s', (setting, message) => {
    expect(() => timingFromOptions([setting])).toThrow(message);
  });
});
