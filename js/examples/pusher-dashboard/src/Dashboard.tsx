// The dashboard of the Pusher testing guide: it connects to Pusher when it mounts,
// listens on the dashboard and content-generation channels, shows what arrives, and
// disconnects when it unmounts.
import { useEffect, useState } from 'react';

import { PusherChannels, PusherEventType, PusherService } from './services/pusher';

export interface MetricUpdate {
  type: string;
  data: { students?: number; courses?: number };
}

export interface ContentUpdate {
  id: string;
  title: string;
}

export interface ProgressUpdate {
  id: string;
  percent: number;
}

export function Dashboard() {
  const [state, setState] = useState('initialized');
  const [metrics, setMetrics] = useState<MetricUpdate['data']>({});
  const [content, setContent] = useState<ContentUpdate[]>([]);
  const [progress, setProgress] = useState<Record<string, number>>({});

  useEffect(() => {
    const pusher = PusherService.getInstance();
    pusher.connect(setState);
    const dashboard = pusher.subscribe(PusherChannels.DASHBOARD_UPDATES);
    dashboard.bind(PusherEventType.METRIC_UPDATE, (update: MetricUpdate) => {
      setMetrics((current) => ({ ...current, ...update.data }));
    });
    const generation = pusher.subscribe(PusherChannels.CONTENT_GENERATION);
    generation.bind(PusherEventType.CONTENT_UPDATE, (update: ContentUpdate) => {
      setContent((current) => [...current, update]);
    });
    generation.bind(PusherEventType.PROGRESS_UPDATE, (update: ProgressUpdate) => {
      setProgress((current) => ({ ...current, [update.id]: update.percent }));
    });
    return () => {
      dashboard.unbind_all();
      generation.unbind_all();
      pusher.disconnect();
    };
  }, []);

  return (
    <main>
      <h1>Dashboard</h1>
      <p role="status">Pusher: {state}</p>
      <section aria-label="metrics">
        {metrics.students !== undefined && <p>{metrics.students} students</p>}
        {metrics.courses !== undefined && <p>{metrics.courses} courses</p>}
      </section>
      <section aria-label="content">
        <ul>
          {content.map((item) => (
            <li key={item.id}>
              {item.title}
              {progress[item.id] !== undefined && ` (${progress[item.id]}%)`}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
