/**
 * What a run does on SIGINT and SIGTERM: `interrupted` on each signal, with how many came so far.
 * The handlers stay until `release`: a run that is over no longer reacts to a signal, so what it
 * prints last is never cut short.
 */
export interface Interrupts {
  release(): void;
}

export function onInterrupt(interrupted: (signal: NodeJS.Signals, count: number) => void): Interrupts {
  let count = 0;
  let released = false;
  const handle = (signal: NodeJS.Signals) => {
    if (released) return;
    count++;
    interrupted(signal, count);
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    release() {
      released = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
