import type { Step } from '../model.ts';
import { advance, waitFor, when } from '../steps/index.ts';

/**
 * The end of every run: all jobs ended, pilots left to run out of work and stop, and one
 * more SiteDirector cycle so that their last statuses reach the server.
 */
export function windDown(timeoutS = 24 * 3600): Step[] {
  return [
    waitFor('every job has ended', when.allEnded, timeoutS),
    waitFor('every pilot has stopped', when.noLivePilots, 6 * 3600),
    advance(300),
  ];
}
