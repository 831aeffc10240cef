package dev.corral.web.api;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.rows.PoolRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pools by name and alias, cached for a moment so that the lease path spends its database time on
 * the claim alone. Pools change only with the config, so a two-second-old view is exact in
 * practice.
 */
public final class PoolCatalog {
  private static final Duration MAX_AGE = Duration.ofSeconds(2);

  private record Snapshot(Instant at, Map<String, PoolRow> byNameOrAlias) {}

  private final Db db;
  private final Clock clock;
  private volatile Snapshot snapshot = new Snapshot(Instant.EPOCH, Map.of());

  public PoolCatalog(Db db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** The active pool that a name or alias stands for. */
  public Optional<PoolRow> resolve(String nameOrAlias) {
    return Optional.ofNullable(current().byNameOrAlias().get(nameOrAlias));
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    Instant now = clock.instant();
    if (Duration.between(s.at(), now).compareTo(MAX_AGE) < 0) {
      return s;
    }
    Snapshot fresh = new Snapshot(now, load());
    snapshot = fresh;
    return fresh;
  }

  private Map<String, PoolRow> load() {
    return db.inTransaction(
        session -> {
          PoolMapper pools = session.getMapper(PoolMapper.class);
          Map<String, PoolRow> map = new HashMap<>();
          List<PoolRow> rows = pools.selectAll();
          for (PoolRow row : rows) {
            if (row.active()) {
              map.put(row.name(), row);
              pools.aliases(row.name()).forEach(alias -> map.put(alias, row));
            }
          }
          return map;
        });
  }
}
