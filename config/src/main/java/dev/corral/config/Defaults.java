package dev.corral.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Values used for keys the config leaves out. They must agree with {@code corral-default.yaml}; a
 * test loads that file and an empty document and checks that both give the same config.
 */
final class Defaults {
  static final Path DATA_DIR = Path.of("./.corral");
  static final String HOST = "127.0.0.1";
  static final int PORT = 7070;
  static final String TEMPORAL_NAMESPACE = "default";

  static final String PROVIDER_NAME = "sim";
  static final String PROVIDER_TYPE = "simulated";
  static final int MAX_VMS = 100;

  static final int POOL_SIZE = 1;
  static final Duration READY_TTL = Duration.ofMinutes(60);
  static final Duration BOOT_TIMEOUT = Duration.ofMinutes(15);
  static final int MAX_TRIES = 3;
  static final Duration LIFETIME = Duration.ofHours(2);
  static final Duration MAX_LIFETIME = Duration.ofHours(48);

  private Defaults() {}

  static ServerConfig server() {
    return new ServerConfig(
        HOST, PORT, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF);
  }

  static DatabaseConfig database() {
    return new DatabaseConfig(DatabaseConfig.EMBEDDED, null, null);
  }

  static TemporalConfig temporal() {
    return new TemporalConfig(TemporalConfig.EMBEDDED, TEMPORAL_NAMESPACE, null);
  }

  /** The demo pools used when {@code pools:} is left out, placed on every configured provider. */
  static List<PoolConfig> demoPools(List<String> providers) {
    return List.of(
        pool("debian-12-x86_64", "debian-12-64", "debian-12-base", 5, providers),
        pool("fedora-40-x86_64", "fedora-40-64", "fedora-40-base", 3, providers));
  }

  private static PoolConfig pool(
      String name, String alias, String template, int size, List<String> providers) {
    return new PoolConfig(
        name,
        List.of(alias),
        template,
        providers,
        size,
        READY_TTL,
        BOOT_TIMEOUT,
        MAX_TRIES,
        LIFETIME,
        MAX_LIFETIME,
        null,
        PoolLeasing.DEFAULT,
        null,
        null);
  }
}
