package dev.corral.activities.testing;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.TemplateRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * Inserts inventory rows directly, for tests that need many ready VMs without provisioning them.
 */
public final class Seed {
  private Seed() {}

  public static void pool(Db db, String pool, String provider, int size) {
    Instant now = Instant.now();
    exec(
        db,
        "INSERT INTO provider (name, type, max_vms, max_concurrent_clones, active, updated_at) "
            + "VALUES (?, 'simulated', 100000, 100, 1, ?) ON DUPLICATE KEY UPDATE active = 1",
        provider,
        now);
    exec(
        db,
        "INSERT INTO pool (name, template, size, ready_ttl_s, boot_timeout_s, max_tries, lifetime_s, "
            + "max_lifetime_s, active, updated_at) VALUES (?, 'tpl', "
            + size
            + ", 3600, 900, 3, 7200, 172800, 1, ?)",
        pool,
        now);
    exec(
        db,
        "INSERT INTO pool_provider (pool, provider, position) VALUES (?, ?, 0)",
        pool,
        provider);
  }

  /**
   * Inserts {@code count} ready VMs named {@code prefix-0..} with distinct, increasing ready times.
   */
  public static void readyVms(Db db, String pool, String provider, String prefix, int count) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO vm (name, pool, provider, template, state, hostname, created_at, ready_at, updated_at) "
                    + "VALUES (?, ?, ?, 'tpl', 'ready', ?, ?, ?, ?)")) {
      Instant base = Instant.now().minusSeconds(count);
      for (int i = 0; i < count; i++) {
        String name = prefix + "-" + i;
        Timestamp at = Timestamp.from(base.plusMillis(i));
        insert.setString(1, name);
        insert.setString(2, pool);
        insert.setString(3, provider);
        insert.setString(4, name);
        insert.setTimestamp(5, at);
        insert.setTimestamp(6, at);
        insert.setTimestamp(7, at);
        insert.addBatch();
        if (i % 500 == 499) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One VM of template {@code tpl} in {@code state}, held by {@code leaseId} (null: none). */
  public static void vm(
      Db db, String name, String pool, String provider, String state, String leaseId) {
    Instant now = Instant.now();
    exec(
        db,
        "INSERT INTO vm (name, pool, provider, template, state, hostname, created_at, ready_at,"
            + " updated_at, lease_id, leased_at) VALUES (?, ?, ?, 'tpl', ?, ?, ?, ?, ?, ?, ?)",
        name,
        pool,
        provider,
        state,
        name,
        now,
        now,
        now,
        leaseId,
        leaseId == null ? null : now);
  }

  /**
   * A raw build on {@code provider}, ready and usable, as a tracker poll records it (a null group:
   * a template of no group), recorded at {@code now}.
   */
  public static TemplateRow rawTemplate(
      Db db,
      String provider,
      String name,
      String group,
      String version,
      LocalDate date,
      Instant now) {
    db.inTransaction(
        s ->
            s.getMapper(TemplateMapper.class)
                .upsertDiscovered(
                    new TemplateRow(
                        0,
                        name,
                        provider,
                        group,
                        version,
                        date,
                        true,
                        true,
                        false,
                        null,
                        null,
                        TemplateRow.FROM_PROVIDER,
                        TemplateRow.READY,
                        null,
                        now,
                        now)));
    return db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectByName(provider, name));
  }

  /**
   * A lease of user {@code dana} waiting 5 minutes from {@code at} for {@code count} VMs of {@code
   * pool}: of {@code template} (on {@code provider}) when given, else any.
   */
  public static void waitingLease(
      Db db, String id, String pool, int count, String template, String provider, Instant at) {
    new PendingLeaseStore(db)
        .create(
            new PendingLeaseStore.NewPendingLease(
                id,
                "dana",
                List.of(new LeaseDemandRow(id, 0, pool, pool, count, template, provider)),
                at,
                at.plus(Duration.ofMinutes(5)),
                Duration.ofHours(1),
                null,
                "v1",
                List.of()));
  }

  private static void exec(Db db, String sql, Object... args) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i] instanceof Instant t ? Timestamp.from(t) : args[i]);
      }
      st.executeUpdate();
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
