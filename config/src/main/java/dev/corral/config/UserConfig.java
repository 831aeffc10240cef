package dev.corral.config;

import java.util.List;

/**
 * A user from the config. Exactly one of {@code password} (plain text, for development) and {@code
 * passwordHash} (bcrypt {@code $2a$/$2b$/$2y$} or argon2 {@code $argon2id$…}) is set.
 */
public record UserConfig(
    String name, String password, String passwordHash, List<String> groups, boolean admin) {
  public UserConfig {
    groups = List.copyOf(groups);
  }

  /** Never prints the password or its hash. */
  @Override
  public String toString() {
    return "UserConfig[name=" + name + ", groups=" + groups + ", admin=" + admin + "]";
  }
}
