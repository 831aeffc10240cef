package dev.corral.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload changes while Corral runs, and what waits for a restart.
 *
 * <p>Pools, template groups, tracker sources, users, quotas, purge rules and rate limits take
 * effect at once; a change of auth.mode waits for a restart, and with it the rest of that file's
 * auth section. Where Corral listens and stores things (server address and body limit, data_dir,
 * database, Temporal), the providers (each is a live connection with its own workers) and the loop
 * periods handed to running workflows (tracker.interval, reconcile.tick, reconcile.window), the
 * metrics export and the log format keep their running values until a restart; the reload names
 * them in {@link #restartRequired()} rather than failing, so one edit of the file can carry both
 * kinds.
 *
 * @param next the config to run with from now on: the new file's values, with the restart-only ones
 *     kept
 * @param changed the sections that take a new value now
 * @param restartRequired keys whose new value waits for a restart
 */
public record ConfigReload(CorralConfig next, List<String> changed, List<String> restartRequired) {

  public ConfigReload {
    changed = List.copyOf(changed);
    restartRequired = List.copyOf(restartRequired);
  }

  /**
   * Plans the move from {@code running} to {@code loaded} (already validated on its own), read from
   * {@code sourceName}.
   *
   * @throws ConfigException when the new file relies on a restart-only change, e.g. a pool on a new
   *     provider
   */
  public static ConfigReload between(CorralConfig running, CorralConfig loaded, String sourceName) {
    List<String> restart = new ArrayList<>();
    differs(restart, "data_dir", running.dataDir(), loaded.dataDir());
    differs(restart, "server.host", running.server().host(), loaded.server().host());
    differs(restart, "server.port", running.server().port(), loaded.server().port());
    differs(
        restart,
        "server.max_body_bytes",
        running.server().maxBodyBytes(),
        loaded.server().maxBodyBytes());
    differs(restart, "database", running.database(), loaded.database());
    differs(restart, "temporal", running.temporal(), loaded.temporal());
    differs(restart, "providers", running.providers(), loaded.providers());
    differs(restart, "tracker.interval", running.tracker().interval(), loaded.tracker().interval());
    differs(restart, "reconcile.tick", running.reconcile().tick(), loaded.reconcile().tick());
    differs(restart, "reconcile.window", running.reconcile().window(), loaded.reconcile().window());
    differs(restart, "metrics", running.metrics(), loaded.metrics());
    differs(restart, "logging", running.logging(), loaded.logging());
    // Turning auth on or off changes what every route and the dashboard's sign-in require, which
    // parts
    // read once at start-up; so the whole auth section waits for the restart rather than half of it
    // (users of tokens mode kept under mode none, or mode tokens without the new users) applying
    // now.
    boolean authModeChanges = running.auth().mode() != loaded.auth().mode();
    differs(restart, "auth.mode", running.auth().mode(), loaded.auth().mode());
    AuthConfig auth = authModeChanges ? running.auth() : loaded.auth();

    List<String> changed = new ArrayList<>();
    differs(changed, "rate_limits", running.server().rateLimits(), loaded.server().rateLimits());
    differs(changed, "pools", running.pools(), loaded.pools());
    differs(changed, "template_groups", running.templateGroups(), loaded.templateGroups());
    differs(changed, "tracker.sources", running.tracker().sources(), loaded.tracker().sources());
    differs(changed, "auth", running.auth(), auth);
    differs(changed, "quotas", running.quotas(), loaded.quotas());
    differs(
        changed,
        "reconcile.vm_checktime",
        running.reconcile().vmChecktime(),
        loaded.reconcile().vmChecktime());
    differs(changed, "purge", purge(running.reconcile()), purge(loaded.reconcile()));

    List<ConfigProblem> problems = new ArrayList<>();
    for (int i = 0; i < loaded.pools().size(); i++) {
      PoolConfig pool = loaded.pools().get(i);
      for (String provider : pool.providers()) {
        if (!running.providers().containsKey(provider)) {
          problems.add(
              new ConfigProblem(
                  "pools[" + i + "].providers",
                  0,
                  "provider '"
                      + provider
                      + "' is not running; new providers take effect on a restart, so the pool cannot use it yet"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(sourceName, problems);
    }

    ServerConfig server =
        new ServerConfig(
            running.server().host(),
            running.server().port(),
            running.server().maxBodyBytes(),
            loaded.server().rateLimits());
    TrackerConfig tracker =
        new TrackerConfig(running.tracker().interval(), loaded.tracker().sources());
    ReconcileConfig reconcile =
        new ReconcileConfig(
            running.reconcile().tick(),
            running.reconcile().window(),
            loaded.reconcile().dryRun(),
            loaded.reconcile().allowlist(),
            loaded.reconcile().vmChecktime());
    CorralConfig next =
        new CorralConfig(
            running.dataDir(),
            server,
            running.database(),
            running.temporal(),
            running.providers(),
            loaded.pools(),
            loaded.templateGroups(),
            tracker,
            auth,
            loaded.quotas(),
            reconcile,
            running.metrics(),
            running.logging());
    return new ConfigReload(next, changed, restart);
  }

  private static List<Object> purge(ReconcileConfig reconcile) {
    return List.of(reconcile.dryRun(), reconcile.allowlist());
  }

  private static void differs(List<String> into, String key, Object running, Object loaded) {
    if (!Objects.equals(running, loaded)) {
      into.add(key);
    }
  }
}
