package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** {@code corral pools}: {@code GET /v1/pools} as a table. */
final class PoolsCommand {
  static final Command COMMAND =
      Command.client(
          "pools",
          "[options]",
          "list the pools: ready, provisioning, leased",
          """
      Lists every pool (GET /v1/pools): READY of SIZE ready VMs, VMs provisioning, leased, held for their
      owner's reuse (cleaning or reusable), failed in the last 24 h, the template it clones now, its
      providers and aliases. A pool removed from the config shows while it drains.
      """,
          Set.of(),
          Set.of(),
          PoolsCommand::run);

  private PoolsCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    args.noPositionals();
    return io.show(io.client().get("/v1/pools"), pools -> table(pools).print(io.out(), "no pools"));
  }

  static Table table(JsonNode pools) {
    Table table =
        new Table(
            "POOL",
            "READY",
            "PROVISIONING",
            "LEASED",
            "HELD",
            "FAILED_24H",
            "TEMPLATE",
            "PROVIDERS",
            "ALIASES");
    for (JsonNode p : pools) {
      boolean active = p.path("active").asBoolean(true);
      table.row(
          p.path("name").asText() + (active ? "" : " (removed, draining)"),
          p.path("ready").asInt() + "/" + p.path("size").asInt(),
          p.path("provisioning").asInt(),
          p.path("leased").asInt(),
          p.path("cleaning").asInt() + p.path("reusable").asInt(),
          p.path("failed").asInt(),
          Table.text(p, "template"),
          Table.joined(p, "providers"),
          Table.joined(p, "alias"));
    }
    return table;
  }
}
