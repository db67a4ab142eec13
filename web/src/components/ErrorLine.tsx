import { errorMessage } from '../api.js';

export function ErrorLine({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {errorMessage(error)}
    </p>
  );
}
