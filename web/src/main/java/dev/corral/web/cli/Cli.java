package dev.corral.web.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code corral} command line. {@code serve} runs Corral (in {@code Main}); every other
 * subcommand is run here through {@link #run}, which never exits the JVM, so tests call it with
 * their own environment and streams. Exit status: 0 done, 1 the server refused or could not be
 * reached (or a config has problems), 2 the command line is wrong.
 */
public final class Cli {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final Command SERVE =
      Command.local(
          "serve",
          "[--config FILE]",
          "run Corral (what `corral` alone does)",
          """
      Runs Corral until interrupted. Without a config it runs everything in one process on 127.0.0.1: an
      embedded MariaDB (data under ./.corral), an in-process Temporal server and a simulated provider with two
      demo pools. Config sources, first found wins: --config FILE, CORRAL_CONFIG (inline YAML),
      CORRAL_CONFIG_FILE (a path), built-in defaults. Check a config first with `corral config check FILE`.

      A running Corral reads its config file again on SIGHUP (kill -HUP PID) or POST /v1/config/reload: pools,
      template groups, tracker sources, users, quotas, purge rules and rate limits change at once; a file with
      problems is rejected whole and the running config kept.

      options:
        --config FILE  the YAML config to run with
      """,
          Set.of("--config"),
          Set.of(),
          (args, io) -> {
            throw new IllegalStateException("serve runs in Main");
          });

  private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  static {
    for (Command c :
        List.of(
            SERVE,
            StatusCommand.COMMAND,
            PoolsCommand.COMMAND,
            LeaseCommands.LEASE,
            LeaseCommands.RELEASE,
            VersionsCommand.COMMAND,
            BuildCommands.BUILDS,
            BuildCommands.RETRY,
            ReconcileCommand.COMMAND,
            ProviderCommands.DISABLE,
            ProviderCommands.ENABLE,
            ConfigCheckCommand.COMMAND,
            ConfigReloadCommand.COMMAND)) {
      COMMANDS.put(c.name(), c);
    }
  }

  private Cli() {}

  /** Runs one command line (without {@code serve}) and returns its exit status. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.length == 0 || isHelp(args[0]) || args[0].equals("help")) {
      return help(
          args.length > 1 ? String.join(" ", Arrays.copyOfRange(args, 1, args.length)) : null,
          out,
          err);
    }
    String name = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (name.equals("config")) {
      if (rest.length == 0 || !COMMANDS.containsKey("config " + rest[0])) {
        return usageError(
            ConfigCheckCommand.COMMAND,
            rest.length == 0
                ? "say `config check FILE` or `config reload`"
                : "unknown config command '"
                    + rest[0]
                    + "' (there are `config check FILE` and `config reload`)",
            err);
      }
      name = "config " + rest[0];
      rest = Arrays.copyOfRange(rest, 1, rest.length);
    }
    Command command = COMMANDS.get(name);
    if (command == null) {
      err.println("corral: unknown command '" + name + "'");
      err.print(overview());
      return USAGE;
    }
    if (Arrays.stream(rest).anyMatch(Cli::isHelp)) {
      out.print(command.help());
      return OK;
    }
    if (command == SERVE) {
      Integer problem = checkServe(rest, out, err);
      return problem == null ? OK : problem;
    }
    try {
      Args parsed = Args.parse(rest, command.valueOptions(), command.flags());
      CorralClient client = command.client() ? CorralClient.of(parsed, env) : null;
      return command
          .body()
          .run(parsed, new Command.Io(env, out, err, client, parsed.flag("--json")));
    } catch (UsageException e) {
      return usageError(command, e.getMessage(), err);
    } catch (CommandFailed e) {
      err.println("corral " + command.name() + ": " + e.getMessage());
      return FAILED;
    }
  }

  /**
   * For {@code Main}: whether {@code corral serve ARGS} should start Corral (null), or has been
   * answered already (help printed, or a usage error) with this exit status.
   */
  public static Integer checkServe(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.stream(args).anyMatch(Cli::isHelp)) {
      out.print(SERVE.help());
      return OK;
    }
    try {
      Args parsed = Args.parse(args, SERVE.valueOptions(), SERVE.flags());
      if (!parsed.positionals().isEmpty()) {
        throw new UsageException("unexpected argument '" + parsed.positionals().get(0) + "'");
      }
      return null;
    } catch (UsageException e) {
      return usageError(SERVE, e.getMessage(), err);
    }
  }

  private static int help(String about, PrintStream out, PrintStream err) {
    if (about == null) {
      out.print(overview());
      return OK;
    }
    if (about.equals("config")) {
      out.print(COMMANDS.get("config check").help() + "\n" + COMMANDS.get("config reload").help());
      return OK;
    }
    Command command = COMMANDS.get(about);
    if (command == null) {
      err.println("corral: unknown command '" + about + "'");
      err.print(overview());
      return USAGE;
    }
    out.print(command.help());
    return OK;
  }

  private static int usageError(Command command, String message, PrintStream err) {
    err.println("corral " + command.name() + ": " + message);
    err.println(command.usage());
    err.println("(corral " + command.name() + " --help for more)");
    return USAGE;
  }

  static String overview() {
    StringBuilder sb =
        new StringBuilder(
            "usage: corral COMMAND [ARGS]    (corral COMMAND --help for one command)\n\n");
    int width = COMMANDS.keySet().stream().mapToInt(String::length).max().orElse(0);
    for (Command c : COMMANDS.values()) {
      sb.append("  ")
          .append(c.name())
          .append(" ".repeat(width - c.name().length() + 2))
          .append(c.summary())
          .append('\n');
    }
    sb.append(
        """

        The client commands talk to a running Corral over HTTP: --url URL (default $CORRAL_URL, else
        %s), --token TOKEN (default $CORRAL_TOKEN). They print tables, or with --json the server's JSON.
        Exit status: 0 done; 1 refused by the server, unreachable, or a bad config; 2 a wrong command line.
        """
            .formatted(CorralClient.DEFAULT_URL));
    return sb.toString();
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }
}
