// The app's entry point: Pusher's settings come from the build's environment (Vite's
// import.meta.env); against `wiretwin serve` they are the ones it prints for pusher-js.
import { createRoot } from 'react-dom/client';

import { Dashboard } from './Dashboard';
import { PusherService } from './services/pusher';

const env = (import.meta as unknown as { env: Record<string, string | undefined> }).env;
PusherService.configure(env.VITE_PUSHER_KEY ?? 'app-key', {
  cluster: env.VITE_PUSHER_CLUSTER ?? 'mt1',
  wsHost: env.VITE_PUSHER_HOST ?? '127.0.0.1',
  wsPort: Number(env.VITE_PUSHER_PORT ?? 6001),
  forceTLS: false,
  enabledTransports: ['ws'],
});

createRoot(document.getElementById('root')!).render(<Dashboard />);
