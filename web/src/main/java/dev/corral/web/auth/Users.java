package dev.corral.web.auth;

import dev.corral.config.AuthConfig;
import dev.corral.config.UserConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The users of the config, by name, and the {@link Caller} each one is. */
public final class Users {
  private final Map<String, UserConfig> byName = new LinkedHashMap<>();

  public Users(AuthConfig auth) {
    auth.users().forEach(u -> byName.put(u.name(), u));
  }

  /** The caller for a correct name and password; empty for an unknown user or a wrong password alike. */
  public Optional<Caller> verify(String name, String password) {
    UserConfig user = byName.get(name);
    return user != null && Passwords.matches(user, password) ? Optional.of(caller(user, null)) : Optional.empty();
  }

  /**
   * The caller a token of {@code owner} stands for. Groups and admin come from the config as it is now,
   * so changing them applies to tokens already issued; a user removed from the config has no caller,
   * and so their tokens stop working.
   */
  public Optional<Caller> tokenHolder(String owner, long tokenId) {
    return Optional.ofNullable(byName.get(owner)).map(u -> caller(u, tokenId));
  }

  private static Caller caller(UserConfig user, Long tokenId) {
    return new Caller(user.name(), user.groups(), user.admin(), tokenId);
  }
}
