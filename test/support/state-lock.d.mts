export function acquireStateLock(dir: string): () => void;
export function withStateLock<T>(dir: string, change: () => T): T;
