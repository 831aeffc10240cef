package dev.corral.web.reload;

import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.Shepherds;
import dev.corral.config.ConfigReload;
import dev.corral.config.ConfigSource;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.Reloadable;
import dev.corral.web.api.ApiException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the config source again and applies it while Corral runs ({@code POST /v1/config/reload},
 * SIGHUP). A file with problems changes nothing: the {@link dev.corral.config.ConfigException}
 * names each problem and the running config stays. Otherwise the database takes the new pools and
 * template groups first (it is what shepherds and other instances read), then each {@link
 * Reloadable} its part, then every pool's shepherd is started or woken so new sizes and templates
 * apply at once. Reloads run one at a time.
 */
public final class ConfigReloader {
  private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

  /** What one reload did. */
  public record Result(
      String source, Instant at, List<String> changed, List<String> restartRequired) {}

  private final ConfigSource source;
  private final Db db;
  private final Shepherds shepherds;
  private final ShepherdNudger nudger;
  private final Clock clock;
  private final List<Reloadable> parts;
  private CorralConfig running; // guarded by this

  public ConfigReloader(
      ConfigSource source,
      CorralConfig running,
      Db db,
      Shepherds shepherds,
      ShepherdNudger nudger,
      Clock clock,
      List<Reloadable> parts) {
    this.source = source;
    this.running = running;
    this.db = db;
    this.shepherds = shepherds;
    this.nudger = nudger;
    this.clock = clock;
    this.parts = List.copyOf(parts);
  }

  /**
   * @throws dev.corral.config.ConfigException listing every problem; nothing was changed
   */
  public synchronized Result reload() {
    if (source == null) {
      throw new ApiException(
          409,
          "no_config_source",
          "this Corral was started from a config object, not from a file or CORRAL_CONFIG: there is nothing to read"
              + " again",
          Map.of());
    }
    CorralConfig loaded = source.load();
    ConfigReload plan = ConfigReload.between(running, loaded, source.describe());
    Instant now = clock.instant();
    if (!plan.changed().isEmpty()) {
      new ConfigSync(db).apply(plan.next(), now);
      parts.forEach(part -> part.reload(plan.next()));
      for (PoolConfig pool : plan.next().pools()) {
        // Use-existing start: a no-op for running shepherds, the first start for a new pool.
        shepherds.ensureRunning(pool.name());
        nudger.vmChanged(pool.name());
      }
      // A removed pool keeps its shepherd until its VMs are gone; the nudge starts the drain now.
      running.pools().stream()
          .map(PoolConfig::name)
          .filter(name -> plan.next().pools().stream().noneMatch(p -> p.name().equals(name)))
          .forEach(nudger::vmChanged);
      running = plan.next();
    }
    log.info(
        "config reloaded from {}: changed {}; waiting for a restart {}",
        source.describe(),
        plan.changed().isEmpty() ? "nothing" : plan.changed(),
        plan.restartRequired().isEmpty() ? "nothing" : plan.restartRequired());
    return new Result(source.describe(), now, plan.changed(), plan.restartRequired());
  }

  public synchronized CorralConfig running() {
    return running;
  }
}
