package dev.corral.activities.testing;

import dev.corral.activities.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

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
