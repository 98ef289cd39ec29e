import type { Hook } from '@oclif/core';
import { colors } from '../../output/colors.js';
import { closestWord } from '../closest-word.js';

/** A mistyped command (`chek`) is named, with the command it most likely meant, and exits 2. */
const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.split(':').join(' ');
  const commands = options.config.commandIDs.map((id) => id.split(':').join(' '));
  const suggestion = closestWord(typed, commands);
  const hint = suggestion !== undefined ? ` Did you mean "${suggestion}"?` : '';
  process.stderr.write(`${colors.red('error:')} no command "${typed}".${hint} Run schema-sync --help for the commands.\n`);
  this.exit(2);
};

export default hook;
