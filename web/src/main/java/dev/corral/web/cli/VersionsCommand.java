package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * {@code corral versions}: what a lease by template can get, narrowed step by step (the reads under
 * {@code /v1/template-groups/GROUP/versions}).
 */
final class VersionsCommand {
  static final Command COMMAND =
      Command.client(
          "versions",
          "GROUP [VERSION [DATE]] [--prepared] [--container | --vm] [options]",
          "what builds of a template group you could lease: versions, dates, providers",
          """
      Narrows a template group to one build, as a request form does: with GROUP alone, its versions
      (newest first) with their dates, providers and ready VMs; with a VERSION (or latest), its build
      dates; with a DATE too (or latest), the providers holding that build with their free VM and clone
      slots and ready VMs. Only builds you could lease are shown: usable and ready, on providers that are
      neither disabled nor failing and that you may use. --prepared shows templates prepared by Corral
      instead of raw builds; --container only container templates (images on a container provider),
      --vm only VM templates. Then: corral lease --group GROUP --version VERSION --date DATE.

      examples: corral versions cfme-5.11
                corral versions cfme-5.11 latest latest --prepared
      """,
          Set.of(),
          Set.of("--prepared", "--container", "--vm"),
          VersionsCommand::run);

  private VersionsCommand() {}

  private static int run(Args args, Command.Io io) throws UsageException, CommandFailed {
    List<String> words = args.positionals();
    if (words.isEmpty() || words.size() > 3) {
      throw new UsageException("name a GROUP, then optionally a VERSION and a DATE");
    }
    StringBuilder path =
        new StringBuilder("/v1/template-groups/")
            .append(CorralClient.segment(words.get(0)))
            .append("/versions");
    if (words.size() > 1) {
      path.append('/').append(CorralClient.segment(words.get(1))).append("/dates");
    }
    if (words.size() > 2) {
      path.append('/').append(CorralClient.segment(words.get(2))).append("/providers");
    }
    List<String> query = new java.util.ArrayList<>();
    if (args.flag("--prepared")) {
      query.add("prepared=true");
    }
    Boolean container = LeaseCommands.containerFlag(args);
    if (container != null) {
      query.add("container=" + container);
    }
    if (!query.isEmpty()) {
      path.append('?').append(String.join("&", query));
    }
    return io.show(
        io.client().get(path.toString()),
        reply -> {
          switch (words.size()) {
            case 1 -> versions(reply, io);
            case 2 -> dates(reply, io);
            default -> providers(reply, io);
          }
        });
  }

  private static void versions(JsonNode reply, Command.Io io) {
    Table table = new Table("VERSION", "LATEST_DATE", "DATES", "PROVIDERS", "READY");
    for (JsonNode v : reply.path("versions")) {
      table.row(
          Table.text(v, "version"),
          Table.text(v, "latest_date"),
          v.path("dates").size(),
          Table.joined(v, "providers"),
          v.path("ready_vms").asInt());
    }
    table.print(io.out(), "no builds of " + Table.text(reply, "group") + " you could lease");
  }

  private static void dates(JsonNode reply, Command.Io io) {
    io.out().println("version " + Table.text(reply, "version"));
    Table table = new Table("DATE", "PROVIDERS", "READY");
    for (JsonNode d : reply.path("dates")) {
      table.row(Table.text(d, "date"), Table.joined(d, "providers"), d.path("ready_vms").asInt());
    }
    table.print(io.out(), "(no dates)");
  }

  private static void providers(JsonNode reply, Command.Io io) {
    io.out()
        .println(
            "version "
                + Table.text(reply, "version")
                + " of "
                + Table.text(reply, "date")
                + ": "
                + reply.path("ready_vms").asInt()
                + " ready VM(s) you may lease");
    Table table = new Table("PROVIDER", "TEMPLATE", "FREE_VMS", "FREE_CLONE_SLOTS", "READY");
    for (JsonNode p : reply.path("providers")) {
      table.row(
          Table.text(p, "name"),
          Table.text(p, "template"),
          p.path("free_vms").asInt(),
          p.path("free_clone_slots").asInt(),
          p.path("ready_vms").asInt());
    }
    table.print(io.out(), "(no providers)");
  }
}
