// One Pusher twin for the test run: `wiretwin serve --twins pusher` ($WIRETWIN_BIN, or
// `wiretwin` on the PATH), on a free port.
import { setupTwins } from 'wiretwin/vitest-setup';

export default setupTwins({ twins: ['pusher'] });
