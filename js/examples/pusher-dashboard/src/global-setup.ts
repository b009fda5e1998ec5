// One Pusher twin for the test run: `wiretwin serve --twins pusher` ($WIRETWIN_BIN, or
// `wiretwin` on the PATH), on a free port.
import { setupTwins } from 'wiretwin/vitest-setup';

// Waits get 15 s (not the twin's 5) for a loaded machine running many suites at once.
export default setupTwins({ twins: ['pusher'], waitTimeout: 15 });
