package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code corral builds} and {@code corral retry-build}: template preparation builds ({@code
 * /v1/builds}).
 */
final class BuildCommands {
  static final Command BUILDS =
      Command.client(
          "builds",
          "[BUILD_ID] [--group GROUP] [--state STATE] [options]",
          "list template builds and where their preparation chain is",
          """
      Lists template preparation builds, newest first (GET /v1/builds): the group, the raw template it
      prepares, the provider, its state (queued, running, succeeded, failed, cancelled), its chain of steps
      (deploy verify configure seal poweroff finish, then delete_on_error after a failure; a step marked * is
      running, ! failed), the template it made and the error of a failed one. With BUILD_ID, that build's steps one per line.

      options:
        --group GROUP  only builds of this template group
        --state STATE  only builds in this state
      """,
          Set.of("--group", "--state"),
          Set.of(),
          BuildCommands::builds);

  static final Command RETRY =
      Command.client(
          "retry-build",
          "BUILD_ID [options]",
          "start a failed or cancelled build again",
          """
      Starts a new build of the same source template as BUILD_ID, which must have failed or been
      cancelled (POST /v1/builds/ID/retry); the old build stays as it was. Prints the new build.
      """,
          Set.of(),
          Set.of(),
          BuildCommands::retry);

  private BuildCommands() {}

  private static int builds(Args args, Command.Io io) throws UsageException, CommandFailed {
    if (args.positionals().size() > 1) {
      throw new UsageException("give at most one BUILD_ID");
    }
    if (!args.positionals().isEmpty()) {
      return io.show(
          io.client().get("/v1/builds/" + id(args.positionals().get(0))),
          build -> printBuild(build, io));
    }
    List<String> query = new ArrayList<>();
    for (String option : List.of("--group", "--state")) {
      if (args.value(option) != null) {
        query.add(
            option.substring(2)
                + "="
                + URLEncoder.encode(args.value(option), StandardCharsets.UTF_8));
      }
    }
    return io.show(
        io.client().get("/v1/builds" + (query.isEmpty() ? "" : "?" + String.join("&", query))),
        builds -> table(builds).print(io.out(), "no builds"));
  }

  private static int retry(Args args, Command.Io io) throws UsageException, CommandFailed {
    String old = id(args.single("a BUILD_ID"));
    return io.show(
        io.client().post("/v1/builds/" + old + "/retry", null),
        build -> {
          io.out()
              .println(
                  "build "
                      + old
                      + " retried as build "
                      + Table.text(build, "id")
                      + " ("
                      + Table.text(build, "state")
                      + ")");
          table(List.of(build)).print(io.out());
        });
  }

  static Table table(Iterable<JsonNode> builds) {
    Table table =
        new Table(
            "ID", "GROUP", "SOURCE", "PROVIDER", "STATE", "CHAIN", "RETRY_OF", "RESULT", "ERROR");
    for (JsonNode b : builds) {
      table.row(
          Table.text(b, "id"),
          Table.text(b, "group"),
          Table.text(b, "source_template"),
          Table.text(b, "provider"),
          Table.text(b, "state"),
          chain(b),
          Table.text(b, "retry_of"),
          "succeeded".equals(Table.text(b, "state")) ? Table.text(b, "result_template") : null,
          error(b));
    }
    return table;
  }

  /** Failed builds that no later build retried: what still needs someone's attention. */
  static List<JsonNode> failing(JsonNode builds) {
    Set<String> retried = new HashSet<>();
    builds.forEach(
        b -> {
          if (Table.text(b, "retry_of") != null) {
            retried.add(Table.text(b, "retry_of"));
          }
        });
    List<JsonNode> out = new ArrayList<>();
    builds.forEach(
        b -> {
          if ("failed".equals(Table.text(b, "state")) && !retried.contains(Table.text(b, "id"))) {
            out.add(b);
          }
        });
    return out;
  }

  /**
   * The steps so far, in order: {@code deploy verify configure!} ({@code *} running, {@code !}
   * failed).
   */
  private static String chain(JsonNode build) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode step : build.path("steps")) {
      String state = Table.text(step, "state");
      sb.append(sb.isEmpty() ? "" : " ")
          .append(Table.text(step, "name"))
          .append("running".equals(state) ? "*" : "failed".equals(state) ? "!" : "");
    }
    return sb.toString();
  }

  private static String error(JsonNode build) {
    String error = Table.text(build, "error");
    return error == null ? null : CorralClient.clip(error.replaceAll("\\s+", " "), 120);
  }

  private static void printBuild(JsonNode build, Command.Io io) {
    table(List.of(build)).print(io.out());
    io.out().println();
    Table steps = new Table("STEP", "STATE", "ATTEMPTS", "STARTED", "ENDED", "ERROR");
    build
        .path("steps")
        .forEach(
            s ->
                steps.row(
                    Table.text(s, "name"),
                    Table.text(s, "state"),
                    Table.text(s, "attempts"),
                    Table.text(s, "started_at"),
                    Table.text(s, "ended_at"),
                    Table.text(s, "error")));
    steps.print(io.out());
    String error = Table.text(build, "error");
    if (error != null) {
      io.out().println("\nerror: " + error);
    }
    if (Table.text(build, "workflow_url") != null) {
      io.out().println("workflow: " + Table.text(build, "workflow_url"));
    }
  }

  /** A build id as the API takes it; anything else is a usage error before any request. */
  private static String id(String text) throws UsageException {
    try {
      if (Long.parseLong(text) > 0) {
        return Long.toString(Long.parseLong(text));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("BUILD_ID must be a positive whole number (got '" + text + "')");
  }
}
