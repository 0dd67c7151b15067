// Ctrl+C (or a TERM from a service manager) asks a long command to stop the gentle way first: a training run stops
// at the next step and keeps a checkpoint, a worker hands its runs back, a followed queue run is detached. Someone
// who presses it again wants out now, so the second signal quits at once with the usual 130.

/** Calls `first` on the first SIGINT/SIGTERM and exits on the second; returns the function that stops listening. */
export function onStopSignals(first: () => void): () => void {
  let signalled = false;
  const onSignal = () => {
    if (signalled) process.exit(130);
    signalled = true;
    first();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
