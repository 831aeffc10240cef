package dev.corral.activities.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.corral.activities.reconcile.ReconcilerStaggerTest.CountingProvider;
import dev.corral.activities.store.Db;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.workflows.model.ReconcilePass;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What a listing of the provider's inventory counts as unknown: the database's live VMs of that
 * provider only.
 */
class ReconcilerInventoryTest {
  static final String PROVIDER = ReconcilerStaggerTest.PROVIDER;

  /** Milliseconds, as the database keeps them (and Corral's clock ticks). */
  static final Clock MILLIS = Clock.tickMillis(ZoneOffset.UTC);

  @Test
  void
      aListingSightsTheVmsInScopeThatAreNotLiveOnThisProvider_knownOnAnotherProviderOrDestroyedIncluded()
          throws Exception {
    try (Db db = TestDatabase.freshDb()) {
      Seed.pool(db, "here", PROVIDER, 10);
      Seed.pool(db, "there", "other", 10);
      Seed.readyVms(db, "here", PROVIDER, "corral-known", 3);
      Seed.readyVms(db, "there", "other", "corral-elsewhere", 1);
      Seed.readyVms(db, "here", PROVIDER, "corral-gone", 1);
      update(db, "UPDATE vm SET state = 'destroyed' WHERE name = 'corral-gone-0'");
      CountingProvider provider = new CountingProvider();
      provider.vms.addAll(
          Set.of(
              "corral-known-0",
              "corral-known-1",
              "corral-known-2",
              "corral-elsewhere-0",
              "corral-gone-0",
              "corral-stray-0",
              "someone-elses-vm"));

      ReconcilePass pass =
          ReconcilerStaggerTest.reconciler(db, provider, MILLIS).now(PROVIDER, false).get(0);

      assertEquals(3, pass.checked(), "the three live VMs of this provider");
      assertEquals(0, pass.lost());
      assertEquals(3, pass.unknownSighted());
      assertEquals(Set.of("corral-elsewhere-0", "corral-gone-0", "corral-stray-0"), sightings(db));
    }
  }

  private static void update(Db db, String sql) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
      c.commit();
    }
  }

  private static Set<String> sightings(Db db) throws SQLException {
    Set<String> names = new TreeSet<>();
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT name FROM vm_sighting WHERE provider = '" + PROVIDER + "'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      c.commit();
    }
    return names;
  }
}
