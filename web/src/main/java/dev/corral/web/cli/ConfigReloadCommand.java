package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code corral config reload}: {@code POST /v1/config/reload} on a running Corral, as SIGHUP does
 * locally.
 */
final class ConfigReloadCommand {
  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  static final Command COMMAND =
      Command.client(
          "config reload",
          "[options]",
          "make a running Corral read its config file again",
          """
      Asks the running Corral to read its config file again (POST /v1/config/reload; `kill -HUP PID` does the
      same on its machine). Pools, template groups, tracker sources, users, quotas, purge rules and rate limits
      change at once; keys that wait for a restart are listed. A file with any problem changes nothing: every
      problem is printed with its line and key (exit 1). Check a file first with `corral config check FILE`.
      With auth on it needs an admin's token.
      """,
          Set.of(),
          Set.of(),
          ConfigReloadCommand::run);

  private ConfigReloadCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    args.noPositionals();
    CorralClient.Reply reply = io.client().send("POST", "/v1/config/reload", null, TIMEOUT);
    if (!reply.ok()) {
      JsonNode problems = reply.body().path("detail").path("problems");
      if (!problems.isArray() || problems.isEmpty()) {
        throw new CommandFailed(reply.problem());
      }
      io.err().println("corral config reload: " + reply.problem());
      for (JsonNode p : problems) {
        io.err()
            .println(
                "  line "
                    + p.path("line").asInt()
                    + ": "
                    + p.path("key").asText()
                    + ": "
                    + p.path("message").asText());
      }
      return Cli.FAILED;
    }
    return io.show(
        reply.body(),
        result -> {
          List<String> parts = new ArrayList<>();
          parts.add("changed " + listed(result.path("changed"), "nothing"));
          if (result.path("restart_required").size() > 0) {
            parts.add("waiting for a restart: " + listed(result.path("restart_required"), ""));
          }
          io.out()
              .println(
                  "reloaded " + result.path("source").asText() + ": " + String.join("; ", parts));
        });
  }

  private static String listed(JsonNode names, String none) {
    List<String> out = new ArrayList<>();
    names.forEach(n -> out.add(n.asText()));
    return out.isEmpty() ? none : String.join(", ", out);
  }
}
