package dev.corral.activities.reconcile;

import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ReconcileMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.Sighting;
import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's rule for a provider's empty folders of pools no longer configured: the same as
 * for unknown VMs. The first sighting is only recorded (as {@code folder:<path>} among the VM
 * sightings); a folder still unused at a later listing is removed, unless {@code purge.allowlist}
 * matches its name or {@code purge.dry_run} is on.
 */
final class UnusedFolders {
  private static final Logger log = LoggerFactory.getLogger(UnusedFolders.class);
  static final String PREFIX = "folder:";

  private UnusedFolders() {}

  /** One sweep; recorded before the reconciler drops the sightings not renewed by this listing. */
  static void sweep(
      Db db,
      VmProvider provider,
      ReconcileConfig config,
      Instant listedAt,
      Duration tick,
      boolean force,
      List<String> errors) {
    Set<String> pools =
        db.inTransaction(
            session ->
                session.getMapper(PoolMapper.class).selectAll().stream()
                    .filter(PoolRow::active)
                    .map(PoolRow::name)
                    .collect(Collectors.toSet()));
    List<String> unused;
    try {
      unused = provider.unusedFolders(pools);
    } catch (RuntimeException e) {
      errors.add("folders: " + e.getMessage());
      return;
    }
    for (String folder : unused) {
      String name = folder.substring(folder.lastIndexOf('/') + 1);
      if (config.allowlisted(name)) {
        continue;
      }
      Sighting seen =
          db.inTransaction(
              session -> {
                ReconcileMapper m = session.getMapper(ReconcileMapper.class);
                m.recordSighting(provider.name(), PREFIX + folder, listedAt);
                return m.selectSighting(provider.name(), PREFIX + folder);
              });
      boolean second = seen.sightings() >= 2 && !seen.firstSeenAt().isAfter(listedAt.minus(tick));
      if (!second && !force) {
        continue;
      }
      if (config.dryRun()) {
        EventLog.warn(
            log,
            "reconcile: empty folder of no configured pool would be removed (purge.dry_run is on): "
                + folder,
            EventLog.PROVIDER,
            provider.name());
        continue;
      }
      try {
        provider.removeUnusedFolder(folder);
        db.inTransaction(
            session ->
                session
                    .getMapper(ReconcileMapper.class)
                    .deleteSighting(provider.name(), PREFIX + folder));
        EventLog.warn(
            log,
            "reconcile: empty folder of no configured pool removed: " + folder,
            EventLog.PROVIDER,
            provider.name());
      } catch (RuntimeException e) {
        errors.add("remove folder " + folder + ": " + e.getMessage());
      }
    }
  }
}
