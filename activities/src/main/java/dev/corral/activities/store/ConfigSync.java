package dev.corral.activities.store;

import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.TemplateGroupRow;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import dev.corral.config.TemplateGroupConfig;
import dev.corral.config.TemplateSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the configured providers and pools into the inventory at start-up. Pools that left the
 * config stay as inactive rows so their shepherds can drain them; nothing is deleted.
 */
public final class ConfigSync {
  private final Db db;

  public ConfigSync(Db db) {
    this.db = db;
  }

  public void apply(CorralConfig config, Instant now) {
    db.inTransaction(
        session -> {
          ProviderMapper providers = session.getMapper(ProviderMapper.class);
          for (ProviderConfig provider : config.providers().values()) {
            providers.upsert(
                new ProviderRow(
                    provider.name(),
                    provider.type(),
                    provider.maxVms(),
                    provider.maxConcurrentClones(),
                    provider.maxConcurrentBuilds(),
                    true,
                    null,
                    null,
                    null), // upsert never touches disabled_*
                now);
          }
          providers.deactivateAllExcept(new ArrayList<>(config.providers().keySet()), now);

          TemplateMapper templates = session.getMapper(TemplateMapper.class);
          for (TemplateGroupConfig group : config.templateGroups().values()) {
            templates.upsertGroup(
                new TemplateGroupRow(
                    group.name(),
                    group.obsoleteDays(),
                    group.keepPrepared(),
                    JsonText.of(group.configure()),
                    true),
                now);
          }
          templates.deactivateGroupsExcept(new ArrayList<>(config.templateGroups().keySet()), now);

          PoolMapper pools = session.getMapper(PoolMapper.class);
          // Aliases may move between pools in a new config, so all are rewritten at once.
          pools.deleteAllAliases();
          List<String> names = new ArrayList<>();
          for (PoolConfig pool : config.pools()) {
            names.add(pool.name());
            pools.upsert(toRow(pool, now));
            pool.alias().forEach(alias -> pools.insertAlias(alias, pool.name()));
            pools.deleteProviders(pool.name());
            for (int i = 0; i < pool.providers().size(); i++) {
              pools.insertProvider(pool.name(), pool.providers().get(i), i);
              if (pool.template() != null) {
                templates.ensure(pool.providers().get(i), pool.template(), now);
              }
            }
          }
          pools.deactivateAllExcept(names, now);
          return null;
        });
  }

  private static PoolRow toRow(PoolConfig pool, Instant now) {
    TemplateSelector selector = pool.selector();
    return new PoolRow(
        pool.name(),
        pool.template(),
        selector == null ? null : selector.group(),
        selector == null ? null : selector.version(),
        selector != null && selector.prepared(),
        pool.size(),
        pool.readyTtl().toSeconds(),
        pool.bootTimeout().toSeconds(),
        pool.maxTries(),
        pool.lifetime().toSeconds(),
        pool.maxLifetime().toSeconds(),
        pool.memoryMb(),
        pool.cpus(),
        true,
        now,
        pool.size(),
        pool.template(),
        null,
        null,
        selector == null ? null : selector.container());
  }
}
