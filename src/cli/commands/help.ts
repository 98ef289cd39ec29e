import { Args, Command, loadHelpClass } from '@oclif/core';
import { colors } from '../../output/colors.js';

/** `schema-sync help plan` as `schema-sync plan --help`, as git, kubectl and gh answer it. */
export default class Help extends Command {
  static override summary = 'Show the help of schema-sync, or of one command (help plan, help snapshot list).';
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'the command to describe', required: false }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const HelpClass = await loadHelpClass(this.config);
    const help = new HelpClass(this.config, this.config.pjson.oclif.helpOptions ?? this.config.pjson.helpOptions);
    const words = argv.map(String);
    const id = words.join(':');
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      process.stderr.write(`${colors.red('error:')} no command "${words.join(' ')}". Run schema-sync --help for the commands.\n`);
      process.exitCode = 2;
      return;
    }
    await help.showHelp(words);
  }
}
