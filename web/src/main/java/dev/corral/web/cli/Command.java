package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code corral} subcommand: how it is called and what it does, for {@code --help}, and its
 * body. A client command also takes {@code --url}, {@code --token} and {@code --json} and gets a
 * {@link CorralClient}.
 *
 * @param synopsis its arguments, after {@code corral NAME}
 * @param summary one line for the overall help
 * @param details its own help: what it does and its own options
 */
record Command(
    String name,
    String synopsis,
    String summary,
    String details,
    Set<String> valueOptions,
    Set<String> flags,
    boolean client,
    Body body) {

  /** What a command runs with; {@code client} is null for commands that do not talk to a server. */
  record Io(
      Map<String, String> env,
      PrintStream out,
      PrintStream err,
      CorralClient client,
      boolean json) {
    /**
     * Prints the server's reply: as it came with {@code --json}, else the way {@code human} shows
     * it.
     */
    int show(JsonNode reply, Consumer<JsonNode> human) {
      if (json) {
        out.println(CorralClient.pretty(reply));
      } else {
        human.accept(reply);
      }
      return Cli.OK;
    }
  }

  @FunctionalInterface
  interface Body {
    /**
     * Returns the exit status (0 done); a refusal or unreachable server is a {@link CommandFailed}.
     */
    int run(Args args, Io io) throws UsageException, CommandFailed;
  }

  static Command client(
      String name,
      String synopsis,
      String summary,
      String details,
      Set<String> valueOptions,
      Set<String> flags,
      Body body) {
    Set<String> values = new HashSet<>(valueOptions);
    values.addAll(CorralClient.OPTIONS);
    Set<String> allFlags = new HashSet<>(flags);
    allFlags.add("--json");
    return new Command(
        name, synopsis, summary, details, Set.copyOf(values), Set.copyOf(allFlags), true, body);
  }

  static Command local(
      String name,
      String synopsis,
      String summary,
      String details,
      Set<String> valueOptions,
      Set<String> flags,
      Body body) {
    return new Command(name, synopsis, summary, details, valueOptions, flags, false, body);
  }

  String usage() {
    return "usage: corral " + name + (synopsis.isEmpty() ? "" : " " + synopsis);
  }

  String help() {
    return usage()
        + "\n\n"
        + details.stripTrailing()
        + "\n"
        + (client ? "\ncommon options:\n" + CorralClient.OPTIONS_HELP : "");
  }
}
