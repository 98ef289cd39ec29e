import pc from 'picocolors';

/** picocolors turns itself off for NO_COLOR, --no-color and output that is not a terminal. */
export const colors = pc;
