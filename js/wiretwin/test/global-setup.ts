// The twins for the whole run, on a virtual clock (the clock tests move it). `wiretwin` is
// $WIRETWIN_BIN (the repository's tests point it at the virtualenv's command) or the one
// on the PATH.
import { setupTwins } from 'wiretwin/vitest-setup';

// Waits get 15 s (not the twin's 5) for a loaded machine running many suites at once.
export default setupTwins({ virtualClock: true, waitTimeout: 15 });
