package dev.corral.web.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One command's arguments: options that take a value ({@code --url URL} or {@code --url=URL},
 * repeatable), flags ({@code --json}) and positional words. Anything starting with {@code -} that
 * the command does not know is a usage error; {@code --} ends the options.
 */
final class Args {
  private final Map<String, List<String>> values = new HashMap<>();
  private final Set<String> flags = new HashSet<>();
  private final List<String> positionals = new ArrayList<>();

  private Args() {}

  static Args parse(String[] args, Set<String> valueOptions, Set<String> flagOptions)
      throws UsageException {
    Args parsed = new Args();
    boolean optionsEnded = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
        parsed.positionals.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        optionsEnded = true;
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      if (valueOptions.contains(name)) {
        String value;
        if (eq > 0) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException(name + " needs a value");
        }
        parsed.values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      } else if (flagOptions.contains(name) && eq < 0) {
        parsed.flags.add(name);
      } else if (flagOptions.contains(name)) {
        throw new UsageException(name + " takes no value");
      } else {
        throw new UsageException("unknown option '" + name + "'");
      }
    }
    return parsed;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  /** The last value given for the option, or null. */
  String value(String name) {
    List<String> all = values.get(name);
    return all == null ? null : all.get(all.size() - 1);
  }

  List<String> values(String name) {
    return values.getOrDefault(name, List.of());
  }

  List<String> positionals() {
    return positionals;
  }

  /** Refuses positional words: the command takes none. */
  void noPositionals() throws UsageException {
    if (!positionals.isEmpty()) {
      throw new UsageException("unexpected argument '" + positionals.get(0) + "'");
    }
  }

  /** Exactly one positional word, called {@code what} in the error. */
  String single(String what) throws UsageException {
    if (positionals.size() != 1) {
      throw new UsageException(
          positionals.isEmpty()
              ? "give " + what
              : "give one " + what + " only (got " + positionals.size() + ")");
    }
    return positionals.get(0);
  }
}
