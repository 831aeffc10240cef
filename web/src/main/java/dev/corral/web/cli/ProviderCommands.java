package dev.corral.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * {@code corral disable-provider} and {@code corral enable-provider}: maintenance of one provider.
 */
final class ProviderCommands {
  static final Command DISABLE =
      Command.client(
          "disable-provider",
          "NAME [--reason TEXT] [options]",
          "take a provider out of placement (no new clones or builds)",
          """
      Takes the provider out of placement with POST /v1/providers/NAME/disable: no new clones or template
      builds go to it (queued builds wait), while its VMs stay and can still be leased. The flag is in the
      database, so every Corral instance sees it and restarts keep it. Undo with `corral enable-provider NAME`.
      With auth on it needs an admin's token.

      options:
        --reason TEXT  shown in `corral status` and /v1/providers (default: disabled by <you>)
      """,
          Set.of("--reason"),
          Set.of(),
          ProviderCommands::disable);

  static final Command ENABLE =
      Command.client(
          "enable-provider",
          "NAME [options]",
          "put a disabled provider back into placement",
          """
      Puts the provider back into placement with POST /v1/providers/NAME/enable; pools short of VMs start
      cloning on it again. Enabling an enabled provider changes nothing. With auth on it needs an admin's token.
      """,
          Set.of(),
          Set.of(),
          ProviderCommands::enable);

  private ProviderCommands() {}

  private static int disable(Args args, Command.Io io) throws UsageException, CommandFailed {
    String name = args.single("a provider NAME");
    ObjectNode body = null;
    if (args.value("--reason") != null) {
      body = JsonNodeFactory.instance.objectNode().put("reason", args.value("--reason"));
    }
    return io.show(
        io.client().post("/v1/providers/" + CorralClient.segment(name) + "/disable", body),
        provider -> print(provider, io));
  }

  private static int enable(Args args, Command.Io io) throws UsageException, CommandFailed {
    String name = args.single("a provider NAME");
    return io.show(
        io.client().post("/v1/providers/" + CorralClient.segment(name) + "/enable", null),
        provider -> print(provider, io));
  }

  private static void print(JsonNode provider, Command.Io io) {
    StringBuilder line =
        new StringBuilder(
            "provider " + Table.text(provider, "name") + ": " + Table.text(provider, "state"));
    if ("disabled".equals(Table.text(provider, "state"))) {
      line.append(" (")
          .append(Table.text(provider, "disabled_reason"))
          .append("; by ")
          .append(Table.text(provider, "disabled_by"))
          .append(" at ")
          .append(Table.text(provider, "disabled_at"))
          .append(')');
    }
    io.out().println(line);
  }
}
