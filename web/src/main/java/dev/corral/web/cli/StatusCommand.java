package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code corral status}: pools, providers, leases and builds that need attention, on one screen.
 */
final class StatusCommand {
  /** Pending leases shown with the reason they wait; more are only counted. */
  private static final int PENDING_SHOWN = 10;

  private static final int LEASE_LIST_MAX = 1000;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  static final Command COMMAND =
      Command.client(
          "status",
          "[options]",
          "one-screen overview: pools, providers, leases, failing builds",
          """
      Shows on one screen: every pool's ready VMs against its size (GET /v1/pools), every provider's
      state (ok, failing, disabled with its reason, or unreachable), load and free clone and build slots
      (GET /v1/providers), how many leases are active and which wait
      for VMs and why (GET /v1/leases, /v1/pending-leases/ID; with auth on, a user's own leases, an
      admin's all, none without a token), and builds under way and failed ones not retried yet
      (GET /v1/builds). With --json, one object holding those replies.
      """,
          Set.of(),
          Set.of(),
          StatusCommand::run);

  private StatusCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    args.noPositionals();
    CorralClient client = io.client();
    JsonNode pools = client.get("/v1/pools");
    JsonNode providers = client.get("/v1/providers");
    JsonNode builds = client.get("/v1/builds");
    CorralClient.Reply active =
        client.send("GET", "/v1/leases?state=active&limit=" + LEASE_LIST_MAX, null, TIMEOUT);
    CorralClient.Reply pending =
        client.send("GET", "/v1/leases?state=pending&limit=" + LEASE_LIST_MAX, null, TIMEOUT);
    ArrayNode waiting = JsonNodeFactory.instance.arrayNode();
    if (pending.ok()) {
      for (JsonNode lease : pending.body()) {
        if (waiting.size() == PENDING_SHOWN) {
          break;
        }
        CorralClient.Reply view =
            client.send(
                "GET",
                "/v1/pending-leases/" + CorralClient.segment(Table.text(lease, "id")),
                null,
                TIMEOUT);
        waiting.add(view.ok() ? view.body() : lease);
      }
    }
    List<JsonNode> failing = BuildCommands.failing(builds);
    int unfinished = 0;
    for (JsonNode b : builds) {
      unfinished +=
          "queued".equals(Table.text(b, "state")) || "running".equals(Table.text(b, "state"))
              ? 1
              : 0;
    }

    if (io.json()) {
      ObjectNode all = JsonNodeFactory.instance.objectNode();
      all.put("url", client.url());
      all.set("pools", pools);
      all.set("providers", providers);
      all.set(
          "active_leases",
          active.ok() ? JsonNodeFactory.instance.numberNode(active.body().size()) : null);
      all.set("pending_leases", pending.ok() ? waiting : null);
      all.put("pending_lease_count", pending.ok() ? pending.body().size() : 0);
      all.put("unfinished_builds", unfinished);
      all.set("failing_builds", JsonNodeFactory.instance.arrayNode().addAll(failing));
      io.out().println(CorralClient.pretty(all));
      return Cli.OK;
    }

    io.out().println("Corral at " + client.url());
    io.out().println();
    int short_ = 0;
    for (JsonNode p : pools) {
      short_ += p.path("ready").asInt() < p.path("size").asInt() ? 1 : 0;
    }
    io.out()
        .println(
            "Pools: "
                + pools.size()
                + (short_ == 0 ? ", all full" : ", " + short_ + " below size"));
    PoolsCommand.table(pools).print(io.out(), "(none)");
    io.out().println();
    Map<String, Integer> byState = new TreeMap<>();
    Table providerTable =
        new Table(
            "PROVIDER",
            "TYPE",
            "STATE",
            "VMS",
            "IN_DB",
            "MAX_VMS",
            "LOAD",
            "CLONE_SLOTS_FREE",
            "BUILD_SLOTS_FREE",
            "RETRY_AT",
            "NOTE");
    for (JsonNode p : providers) {
      String state =
          Table.text(p, "error") != null && "ok".equals(Table.text(p, "state"))
              ? "unreachable"
              : Table.text(p, "state");
      byState.merge(state, 1, Integer::sum);
      String disabled = Table.text(p, "disabled_reason");
      providerTable.row(
          Table.text(p, "name"),
          Table.text(p, "type"),
          Table.text(p, "state"),
          Table.text(p, "vms"),
          Table.text(p, "inventory_vms"),
          Table.text(p, "max_vms"),
          String.format(Locale.ROOT, "%.0f%%", p.path("load").asDouble() * 100),
          Table.text(p, "clone_slots_free"),
          Table.text(p, "build_slots_free"),
          Table.text(p, "retry_at"),
          Table.text(p, "error") != null
              ? Table.text(p, "error")
              : disabled == null ? null : "disabled: " + disabled);
    }
    List<String> states = new ArrayList<>();
    byState.forEach((state, n) -> states.add(n + " " + state));
    io.out()
        .println(
            "Providers: "
                + providers.size()
                + (states.isEmpty() ? "" : " (" + String.join(", ", states) + ")"));
    providerTable.print(io.out(), "(none)");
    io.out().println();
    if (active.ok() && pending.ok()) {
      io.out()
          .println(
              "Leases: " + count(active.body()) + " active, " + count(pending.body()) + " pending");
      for (JsonNode lease : waiting) {
        io.out()
            .println(
                "  "
                    + Table.text(lease, "id")
                    + " waits until "
                    + Table.text(lease, "wait_until")
                    + ": "
                    + (Table.text(lease, "message") == null
                        ? "waiting for VMs"
                        : Table.text(lease, "message")));
      }
    } else {
      io.out().println("Leases: not shown (" + (active.ok() ? pending : active).problem() + ")");
    }
    io.out().println();
    io.out()
        .println(
            "Builds: "
                + unfinished
                + " queued or running, "
                + failing.size()
                + " failed and not retried");
    if (!failing.isEmpty()) {
      BuildCommands.table(failing).print(io.out());
      io.out().println("(corral retry-build ID starts one again)");
    }
    return Cli.OK;
  }

  private static String count(JsonNode leases) {
    return leases.size() >= LEASE_LIST_MAX ? LEASE_LIST_MAX + "+" : Integer.toString(leases.size());
  }
}
