// The app's Pusher service, as in the Pusher testing guide: one pusher-js client for the
// app, its channel and event names, connect / subscribe / disconnect.
import Pusher, { type Channel, type Options } from 'pusher-js';

export const PusherChannels = {
  DASHBOARD_UPDATES: 'dashboard-updates',
  CONTENT_GENERATION: 'content-generation',
} as const;

export const PusherEventType = {
  METRIC_UPDATE: 'metric-update',
  CONTENT_UPDATE: 'content-update',
  PROGRESS_UPDATE: 'progress-update',
} as const;

export interface PusherConfig {
  key: string;
  options: Options;
}

export class PusherService {
  private static config: PusherConfig | null = null;
  private static instance: PusherService | null = null;
  private client: Pusher | null = null;

  private constructor(private readonly settings: PusherConfig) {}

  /** Where the app's Pusher is: the entry point calls this once (from its environment). */
  static configure(key: string, options: Options): void {
    PusherService.config = { key, options };
    PusherService.instance = null;
  }

  static getInstance(): PusherService {
    if (PusherService.config === null) {
      throw new Error('PusherService.configure(key, options) first');
    }
    PusherService.instance ??= new PusherService(PusherService.config);
    return PusherService.instance;
  }

  connect(onState?: (state: string) => void): void {
    if (this.client !== null) return;
    this.client = new Pusher(this.settings.key, this.settings.options);
    if (onState) {
      onState(this.client.connection.state);
      this.client.connection.bind('state_change',
        ({ current }: { current: string }) => onState(current));
    }
  }

  subscribe(channel: string): Channel {
    if (this.client === null) throw new Error('connect() first');
    return this.client.subscribe(channel);
  }

  getSocketId(): string | null {
    return this.client?.connection.socket_id ?? null;
  }

  disconnect(): void {
    this.client?.disconnect();
    this.client = null;
  }
}
