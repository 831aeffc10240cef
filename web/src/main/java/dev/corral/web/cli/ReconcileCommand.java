package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Set;

/**
 * {@code corral reconcile --all}: {@code POST /v1/reconcile} on a running Corral, and its summary.
 */
final class ReconcileCommand {
  /** A pass over every VM of a large inventory takes a while. */
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  static final Command COMMAND =
      Command.client(
          "reconcile",
          "--all [--provider NAME] [--force] [options]",
          "check every VM with its provider now, and purge unknown ones",
          """
      Asks the running Corral to reconcile every provider now (or only --provider NAME), with POST
      /v1/reconcile: each live VM is checked with its provider (lost ones are retired), and unknown VMs
      are purged at their second sighting, or at once with --force; allowlisted ones never, and under
      purge.dry_run nothing is destroyed. Prints per provider what it checked, lost, sighted and purged.
      With auth on it needs an admin's token.

      options:
        --all            required: the running reconcilers check VMs gradually on their own
        --provider NAME  only this provider
        --force          destroy unknown VMs at their first sighting
      """,
          Set.of("--provider"),
          Set.of("--all", "--force"),
          ReconcileCommand::run);

  private ReconcileCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    args.noPositionals();
    if (!args.flag("--all")) {
      throw new UsageException(
          "say --all (the running reconcilers check VMs gradually on their own)");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (args.value("--provider") != null) {
      body.put("provider", args.value("--provider"));
    }
    if (args.flag("--force")) {
      body.put("force", true);
    }
    return io.show(
        io.client().call("POST", "/v1/reconcile", body, TIMEOUT), summary -> print(summary, io));
  }

  private static void print(JsonNode summary, Command.Io io) {
    io.out()
        .println(
            "reconciled"
                + (summary.path("force").asBoolean() ? ", forced" : "")
                + (summary.path("dry_run").asBoolean()
                    ? " (purge.dry_run: nothing destroyed)"
                    : ""));
    Table table =
        new Table(
            "PROVIDER",
            "CHECKED",
            "LOST",
            "UNKNOWN_SIGHTED",
            "PURGED",
            "WOULD_PURGE",
            "KEPT",
            "ERRORS");
    for (JsonNode p : summary.path("providers")) {
      table.row(
          Table.text(p, "provider"),
          p.path("checked").asInt(),
          p.path("lost").asInt(),
          p.path("unknown_sighted").asInt(),
          p.path("purged").asInt(),
          p.path("would_purge").asInt(),
          p.path("kept").asInt(),
          Table.joined(p, "errors"));
    }
    table.print(io.out());
  }
}
