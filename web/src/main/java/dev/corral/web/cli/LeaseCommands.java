package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** {@code corral lease} and {@code corral release}: {@code POST} and {@code DELETE /v1/leases}. */
final class LeaseCommands {
  static final Command LEASE =
      Command.client(
          "lease",
          "POOL[=N] [POOL=N ...] | --group GROUP [--version V] [--date D] [--provider P] [--prepared]"
              + " [--container | --vm] [--count N]  [--lifetime DURATION] [--wait DURATION] [--tag KEY=VALUE ...] [options]",
          "lease VMs from one or more pools, or of a build; prints the lease id and the VMs",
          """
      Leases N VMs (default 1) of each POOL (a pool name or alias) in one all-or-nothing request
      (POST /v1/leases) and prints the lease id, its expiry and each VM's name, hostname, IP and ports.
      A pool without enough ready VMs is refused and nothing is leased, unless --wait is given.

      With --group instead of pools, leases --count VMs (default 1) of one build of the template group:
      its --version and --date (default latest: the newest version, then its newest date), on
      --provider if given, prepared by Corral with --prepared, containers only with --container or VMs
      only with --vm; they come from whichever of your pools keep that build ready, and with --wait
      the rest are cloned for you (corral versions GROUP shows what there is).

      options:
        --lifetime DURATION  how long the lease lasts (e.g. 2h; default the pools' lifetime)
        --wait DURATION      wait up to this long for VMs that are not ready yet: a pending lease is
                             made and filled as VMs become ready (see GET /v1/pending-leases/ID)
        --tag KEY=VALUE      a tag on the lease (repeatable)

      examples: corral lease debian-12-64=2 fedora-40-64 --lifetime 4h
                corral lease --group cfme-5.11 --version 5.11.3 --count 3 --prepared
      """,
          Set.of(
              "--lifetime",
              "--wait",
              "--tag",
              "--group",
              "--version",
              "--date",
              "--provider",
              "--count"),
          Set.of("--prepared", "--container", "--vm"),
          LeaseCommands::lease);

  static final Command RELEASE =
      Command.client(
          "release",
          "LEASE_ID [options]",
          "release a lease: its VMs are destroyed (or kept for you, in a reuse pool)",
          """
      Releases the lease (DELETE /v1/leases/ID): its VMs are destroyed, or in a pool with reuse cleaned
      and kept for its owner's next lease. A lease that still waits for VMs is cancelled
      (DELETE /v1/pending-leases/ID) and the VMs it held go back. Releasing an ended lease changes nothing.
      """,
          Set.of(),
          Set.of(),
          LeaseCommands::release);

  private LeaseCommands() {}

  private static int lease(Args args, Command.Io io) throws UsageException, CommandFailed {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (args.value("--group") != null) {
      build(args, body);
    } else {
      pools(args, body);
    }
    if (args.value("--lifetime") != null) {
      body.put("lifetime", args.value("--lifetime"));
    }
    if (args.value("--wait") != null) {
      body.put("wait", args.value("--wait"));
    }
    if (!args.values("--tag").isEmpty()) {
      ObjectNode tags = body.putObject("tags");
      for (String tag : args.values("--tag")) {
        int eq = tag.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--tag wants KEY=VALUE (got '" + tag + "')");
        }
        tags.put(tag.substring(0, eq), tag.substring(eq + 1));
      }
    }
    return io.show(
        io.client().post("/v1/leases", body),
        lease -> {
          if ("pending".equals(Table.text(lease, "state"))) {
            io.out()
                .println(
                    "lease "
                        + Table.text(lease, "id")
                        + " is pending until "
                        + Table.text(lease, "wait_until")
                        + ": "
                        + Table.text(lease, "message"));
            io.out()
                .println(
                    "(it becomes active once every VM is ready: corral release "
                        + Table.text(lease, "id")
                        + " cancels it)");
          } else {
            printLease(lease, io);
          }
        });
  }

  /** {@code --group ...}: a template pick and a count. */
  private static void build(Args args, ObjectNode body) throws UsageException {
    if (!args.positionals().isEmpty()) {
      throw new UsageException("name pools or --group, not both");
    }
    ObjectNode template = body.putObject("template");
    template.put("group", args.value("--group"));
    for (String key : new String[] {"version", "date", "provider"}) {
      if (args.value("--" + key) != null) {
        template.put(key, args.value("--" + key));
      }
    }
    if (args.flag("--prepared")) {
      template.put("prepared", true);
    }
    Boolean container = containerFlag(args);
    if (container != null) {
      template.put("container", container);
    }
    if (args.value("--count") != null) {
      body.put("count", count(args.value("--count"), "--count " + args.value("--count")));
    }
  }

  /**
   * {@code --container} (true), {@code --vm} (false) or neither (null): Sprout's container flag.
   */
  static Boolean containerFlag(Args args) throws UsageException {
    if (args.flag("--container") && args.flag("--vm")) {
      throw new UsageException("give --container or --vm, not both");
    }
    return args.flag("--container") ? Boolean.TRUE : args.flag("--vm") ? Boolean.FALSE : null;
  }

  /** {@code POOL[=N] ...}: VMs by pool. */
  private static void pools(Args args, ObjectNode body) throws UsageException {
    if (args.positionals().isEmpty()) {
      throw new UsageException("name at least one POOL (or POOL=N), or a --group");
    }
    for (String option : new String[] {"--version", "--date", "--provider", "--count"}) {
      if (args.value(option) != null) {
        throw new UsageException(option + " goes with --group");
      }
    }
    for (String flag : new String[] {"--prepared", "--container", "--vm"}) {
      if (args.flag(flag)) {
        throw new UsageException(flag + " goes with --group");
      }
    }
    ObjectNode vms = body.putObject("vms");
    for (String word : args.positionals()) {
      int eq = word.lastIndexOf('=');
      String pool = eq < 0 ? word : word.substring(0, eq);
      int count = eq < 0 ? 1 : count(word.substring(eq + 1), word);
      if (pool.isBlank()) {
        throw new UsageException("'" + word + "' names no pool (write POOL=N)");
      }
      vms.put(pool, vms.path(pool).asInt(0) + count);
    }
  }

  private static int release(Args args, Command.Io io) throws UsageException, CommandFailed {
    String id = args.single("a LEASE_ID");
    JsonNode lease = io.client().delete("/v1/leases/" + CorralClient.segment(id));
    if ("pending".equals(Table.text(lease, "state"))) {
      lease = io.client().delete("/v1/pending-leases/" + CorralClient.segment(id));
    }
    return io.show(
        lease,
        ended -> {
          String reason =
              Table.text(ended, Table.text(ended, "end_reason") != null ? "end_reason" : "message");
          io.out()
              .println(
                  "lease "
                      + id
                      + " is "
                      + Table.text(ended, "state")
                      + (reason == null ? "" : " (" + reason + ")"));
          Table table = new Table("VM", "POOL", "STATE");
          ended
              .path("vms")
              .forEach(
                  vm ->
                      table.row(
                          Table.text(vm, "name"), Table.text(vm, "pool"), Table.text(vm, "state")));
          table.print(io.out(), "(no VMs)");
        });
  }

  static void printLease(JsonNode lease, Command.Io io) {
    String owner = Table.text(lease, "owner");
    io.out()
        .println(
            "lease "
                + Table.text(lease, "id")
                + " "
                + Table.text(lease, "state")
                + (owner == null ? "" : " (owner " + owner + ")")
                + ", expires "
                + Table.text(lease, "expires_at"));
    Table table = new Table("VM", "HOSTNAME", "IP", "PORTS", "POOL", "TEMPLATE");
    for (JsonNode vm : lease.path("vms")) {
      table.row(
          Table.text(vm, "name"),
          Table.text(vm, "hostname"),
          Table.text(vm, "ip"),
          ports(vm.path("ports")),
          Table.text(vm, "pool"),
          Table.text(vm, "template"));
    }
    table.print(io.out());
  }

  private static String ports(JsonNode ports) {
    StringBuilder sb = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = ports.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> port = it.next();
      sb.append(sb.isEmpty() ? "" : " ")
          .append(port.getKey())
          .append('=')
          .append(port.getValue().asText());
    }
    return sb.toString();
  }

  private static int count(String text, String word) throws UsageException {
    try {
      int n = Integer.parseInt(text);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("'" + word + "': N must be a whole number of at least 1");
  }
}
