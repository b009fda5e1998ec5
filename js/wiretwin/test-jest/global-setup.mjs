// Jest's global set-up for the package's jest tests: the Pusher twin, waits of 15 s.
import { setupTwins } from 'wiretwin/jest-setup';

export default setupTwins({ twins: ['pusher'], waitTimeout: 15 });
