package dev.corral.web.auth;

import dev.corral.activities.store.rows.TokenRow;
import dev.corral.config.AuthConfig;
import dev.corral.config.UserConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The users of the config, by name, and the {@link Caller} each one is. */
public final class Users {
  private final Map<String, UserConfig> byName = new LinkedHashMap<>();

  /**
   * Computed on first need: a plain password's stamp costs a deliberate PBKDF2 run (see {@link
   * UserStamp}).
   */
  private final Map<String, String> stamps = new ConcurrentHashMap<>();

  public Users(AuthConfig auth) {
    auth.users().forEach(u -> byName.put(u.name(), u));
  }

  /**
   * The caller for a correct name and password; empty for an unknown user or a wrong password
   * alike.
   */
  public Optional<Caller> verify(String name, String password) {
    UserConfig user = byName.get(name);
    return user != null && Passwords.matches(user, password)
        ? Optional.of(caller(user, null))
        : Optional.empty();
  }

  /**
   * The caller a token stands for. Groups and admin come from the config as it is now, so changing
   * them applies to tokens already issued. A token works only for its owner's credential as it was
   * when the token was issued: when the owner left the config, or has another password now, it
   * stands for nobody.
   */
  public Optional<Caller> tokenHolder(TokenRow token) {
    return holds(token)
        ? Optional.of(caller(byName.get(token.owner()), token.id()))
        : Optional.empty();
  }

  /** Whether the token's owner is configured with the credential the token was issued for. */
  public boolean holds(TokenRow token) {
    return UserStamp.same(token.userStamp(), stampOf(token.owner()).orElse(null));
  }

  /**
   * The stamp new tokens of this user get; empty for a user who is not configured (or has no
   * credential).
   */
  public Optional<String> stampOf(String name) {
    UserConfig user = byName.get(name);
    return user == null
        ? Optional.empty()
        : Optional.ofNullable(stamps.computeIfAbsent(name, n -> UserStamp.of(user)));
  }

  public Set<String> names() {
    return Set.copyOf(byName.keySet());
  }

  private static Caller caller(UserConfig user, Long tokenId) {
    return new Caller(user.name(), user.groups(), user.admin(), tokenId);
  }
}
