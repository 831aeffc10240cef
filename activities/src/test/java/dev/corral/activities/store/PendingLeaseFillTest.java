package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.workflows.model.LeaseFill;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Filling waiting leases in order: an older lease goes first only where it could take the same VMs,
 * so a lease of a build and a lease of any VM of the pool never hold each other back.
 */
class PendingLeaseFillTest {
  static Db db;
  static PendingLeaseStore pending;

  @BeforeAll
  static void startDatabase() {
    db = TestDatabase.freshDb();
    pending = new PendingLeaseStore(db);
  }

  @AfterAll
  static void closeDatabase() {
    db.close();
  }

  @Test
  void aLeaseOfAnyVm_isNotHeldBackByAnOlderLeaseOfAnotherBuild() {
    Seed.pool(db, "mixed", "sim", 1);
    Seed.readyVms(db, "mixed", "sim", "mixed", 1);
    Instant now = Instant.now();
    waiting("older-build-lease", "mixed", 2, "old-build", now.minusSeconds(5));
    waiting("any-vm-lease", "mixed", 1, null, now);

    LeaseFill fill = pending.fill("any-vm-lease", now);

    assertEquals(LeaseRow.ACTIVE, fill.state(), fill.toString());
    assertEquals(
        List.of("mixed-0"),
        db.inTransaction(s -> s.getMapper(VmMapper.class).selectByLease("any-vm-lease")).stream()
            .map(VmRow::name)
            .toList());
    assertEquals(
        PendingLeaseStore.PENDING,
        pending.fill("older-build-lease", now).state(),
        "the build's lease cannot use a VM of the pool's template");
  }

  @Test
  void anOlderLeaseOfTheSameBuild_isServedFirst() {
    Seed.pool(db, "same", "sim", 1);
    Seed.readyVms(db, "same", "sim", "same", 1);
    Instant now = Instant.now();
    waiting("first-tpl-lease", "same", 1, "tpl", now.minusSeconds(5));
    waiting("second-tpl-lease", "same", 1, "tpl", now);

    assertEquals(PendingLeaseStore.PENDING, pending.fill("second-tpl-lease", now).state());
    assertEquals(LeaseRow.ACTIVE, pending.fill("first-tpl-lease", now).state());
  }

  @Test
  void anOlderLeaseOfTheBuildOnAnotherProvider_doesNotHoldBackOneOnThisProvider() {
    Seed.pool(db, "two", "a", 1);
    Seed.pool(db, "b-only", "b", 0);
    Seed.readyVms(db, "two", "b", "two-b", 1);
    Instant now = Instant.now();
    waiting("tpl-on-a", "two", 2, "tpl", "a", now.minusSeconds(5));
    waiting("tpl-on-b", "two", 1, "tpl", "b", now);

    assertEquals(LeaseRow.ACTIVE, pending.fill("tpl-on-b", now).state());
    assertEquals(PendingLeaseStore.PENDING, pending.fill("tpl-on-a", now).state());
  }

  private static void waiting(String id, String pool, int count, String template, Instant at) {
    Seed.waitingLease(db, id, pool, count, template, null, at);
  }

  private static void waiting(
      String id, String pool, int count, String template, String provider, Instant at) {
    Seed.waitingLease(db, id, pool, count, template, provider, at);
  }
}
