package dev.corral.web.cli;

import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code corral config check FILE}: binds and validates a config the way {@code serve} does, and
 * starts nothing.
 */
final class ConfigCheckCommand {
  static final Command COMMAND =
      Command.local(
          "config check",
          "FILE",
          "validate a config file and list every problem",
          """
      Reads FILE the way `corral serve --config FILE` would (${VAR} values from the environment) and checks
      every key, without starting anything or connecting anywhere. Prints `FILE: OK` and a one-line summary
      when it is good (exit 0), or every problem with its line and key (exit 1):

        corral.yaml: 2 problems
          line 4: providers.sim.type: unknown provider type 'vmware' (known: simulated, qemu, libvirt, vsphere, docker)
          line 12: pools[0].size: must be at least 0 (got -1)
      """,
          Set.of(),
          Set.of(),
          ConfigCheckCommand::run);

  private ConfigCheckCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    String file = args.single("a config FILE");
    CorralConfig config;
    try {
      config = ConfigLoader.fromFile(Path.of(file), io.env());
    } catch (ConfigException e) {
      io.out().println(e.getMessage());
      return Cli.FAILED;
    }
    io.out()
        .println(
            file
                + ": OK ("
                + count(config.providers().size(), "provider")
                + ", "
                + count(config.pools().size(), "pool")
                + ", "
                + count(config.templateGroups().size(), "template group")
                + ", auth "
                + config.auth().mode().name().toLowerCase(Locale.ROOT)
                + ")");
    return Cli.OK;
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
