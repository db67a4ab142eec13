import { useCallback, useEffect, useState } from 'react';

export interface Polled<T> {
  data?: T;
  error?: unknown;
  reload: () => void;
}

/**
 * Calls `load` now and again after each answer (never two at once); the interval may depend on
 * the last answer. `load` and `interval` must be stable: a new one restarts the loop.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  interval: number | ((data: T | undefined) => number),
): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let data: T | undefined;
      try {
        data = await load();
        if (!stopped) setState({ data });
      } catch (error) {
        // Keep the last data on screen; the error is shown beside it.
        if (!stopped) setState((s) => ({ ...s, error }));
      }
      const ms = typeof interval === 'number' ? interval : interval(data);
      if (!stopped) timer = setTimeout(() => void run(), ms);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load, interval, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The part of the location after `#`, e.g. `/clusters/demo`. */
export function useHashRoute(): string {
  const read = () => window.location.hash.replace(/^#/, '') || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(route: string): void {
  window.location.hash = route;
}
