package dev.corral.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Who may use Corral. With {@code mode: none} every request is anonymous and may do everything a
 * user may do (there are no owners to protect); with {@code tokens}, users from {@code users} get
 * tokens with HTTP Basic and send them as {@code X-AUTH-TOKEN} or {@code Authorization: Bearer}.
 *
 * @param tokenTtl how long an issued token stays valid
 */
public record AuthConfig(Mode mode, Duration tokenTtl, List<UserConfig> users) {
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofDays(30);
  public static final AuthConfig NONE = new AuthConfig(Mode.NONE, DEFAULT_TOKEN_TTL, List.of());

  public enum Mode {
    NONE,
    TOKENS;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public AuthConfig {
    users = List.copyOf(users);
  }

  public boolean tokens() {
    return mode == Mode.TOKENS;
  }

  public Optional<UserConfig> user(String name) {
    return users.stream().filter(u -> u.name().equals(name)).findFirst();
  }
}
