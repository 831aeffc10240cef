package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.workflows.model.LeaseFill;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Quotas, per-VM leases and giving back one VM, against a real MariaDB. */
class LeaseQuotaTest {
  static Db db;
  static LeaseStore leases;

  @BeforeAll
  static void startDatabase() {
    db = TestDatabase.freshDb();
    leases = new LeaseStore(db);
  }

  @AfterAll
  static void closeDatabase() {
    leases.close();
    db.close();
  }

  private static LeaseClaim claim(
      String owner, Map<String, Integer> counts, List<LeaseQuota> quotas) {
    int vms = counts.values().stream().mapToInt(Integer::intValue).sum();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < vms; i++) {
      ids.add(java.util.UUID.randomUUID().toString());
    }
    return new LeaseClaim(
        ids,
        counts,
        owner,
        null,
        "req-" + ids.get(0),
        LeaseRow.VMPOOLER,
        Instant.now(),
        Duration.ofHours(1),
        quotas);
  }

  @Test
  void perUserQuota_refusesTheClaimThatWouldGoOver_andLeasesNothing() {
    Seed.pool(db, "q1", "sim", 10);
    Seed.readyVms(db, "q1", "sim", "q1", 10);
    List<LeaseQuota> three =
        List.of(new LeaseQuota("quotas.per_user", Set.of("alice"), 3, Map.of()));

    leases.claim(claim("alice", Map.of("q1", 2), three));
    QuotaExceededException refused =
        assertThrows(
            QuotaExceededException.class,
            () -> leases.claim(claim("alice", Map.of("q1", 2), three)));

    assertEquals("quotas.per_user.max_vms", refused.key());
    assertEquals(2, refused.leased());
    assertEquals(8, readyIn("q1"), "the refused claim took nothing");
    leases.claim(claim("alice", Map.of("q1", 1), three));
    assertEquals(7, readyIn("q1"));
    // Another user is not counted against alice.
    leases.claim(
        claim(
            "bob",
            Map.of("q1", 3),
            List.of(new LeaseQuota("quotas.per_user", Set.of("bob"), 3, Map.of()))));
  }

  @Test
  void groupQuota_countsEveryMember_andPerPoolLimitsNameThePool() {
    Seed.pool(db, "q2", "sim", 10);
    Seed.readyVms(db, "q2", "sim", "q2", 10);
    LeaseQuota qa = new LeaseQuota("quotas.groups.qa", Set.of("carol", "dave"), 4, Map.of("q2", 3));

    leases.claim(claim("carol", Map.of("q2", 2), List.of(qa)));
    QuotaExceededException perPool =
        assertThrows(
            QuotaExceededException.class,
            () -> leases.claim(claim("dave", Map.of("q2", 2), List.of(qa))));

    assertEquals("quotas.groups.qa.pools.q2", perPool.key());
    assertEquals("q2", perPool.pool());
    leases.claim(claim("dave", Map.of("q2", 1), List.of(qa)));
    assertEquals(7, readyIn("q2"));
  }

  @Test
  void concurrentClaimsOfOneUser_neverGoOverTheQuota() throws Exception {
    Seed.pool(db, "q3", "sim", 100);
    Seed.readyVms(db, "q3", "sim", "q3", 100);
    List<LeaseQuota> five = List.of(new LeaseQuota("quotas.per_user", Set.of("erin"), 5, Map.of()));
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(callers.submit(() -> leases.claim(claim("erin", Map.of("q3", 1), five))));
      }
      int granted = 0;
      for (Future<?> f : results) {
        try {
          f.get();
          granted++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof QuotaExceededException, e.getCause().toString());
        }
      }
      assertEquals(5, granted);
      assertEquals(95, readyIn("q3"));
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void aCheckoutWithOneLeasePerVm_releasesOneVm_andEndsEachLeaseWithItsVm() {
    Seed.pool(db, "q4", "sim", 5);
    Seed.readyVms(db, "q4", "sim", "q4", 5);

    List<LeaseStore.Lease> granted = leases.claim(claim("frank", Map.of("q4", 2), List.of()));

    assertEquals(2, granted.size());
    assertNotEquals(granted.get(0).lease().id(), granted.get(1).lease().id());
    assertEquals(granted.get(0).lease().requestId(), granted.get(1).lease().requestId());
    String first = granted.get(0).vms().get(0).name();
    LeaseStore.Lease released =
        leases.releaseVm(first, "released by request", Instant.now()).orElseThrow();
    assertEquals(LeaseRow.RELEASED, released.lease().state());
    assertEquals(VmStates.DESTROYING, released.vms().get(0).state());
    assertTrue(
        leases.releaseVm(first, "again", Instant.now()).isEmpty(),
        "a second give-back is a not-leased");
    assertEquals(
        LeaseRow.ACTIVE, leases.find(granted.get(1).lease().id()).orElseThrow().lease().state());
    assertEquals(
        List.of(granted.get(1).lease().id()),
        leases.list("frank", LeaseRow.ACTIVE, 10).stream().map(l -> l.lease().id()).toList());
  }

  @Test
  void givingBackOneVmOfAMultiVmLease_keepsTheLeaseUntilTheLastOne() {
    Seed.pool(db, "q5", "sim", 5);
    Seed.readyVms(db, "q5", "sim", "q5", 5);
    LeaseStore.Lease lease =
        leases.claim("L-q5", "gina", Map.of("q5", 2), Instant.now(), Duration.ofHours(1));

    leases.releaseVm(lease.vms().get(0).name(), "one back", Instant.now()).orElseThrow();
    assertEquals(LeaseRow.ACTIVE, leases.find("L-q5").orElseThrow().lease().state());
    leases.releaseVm(lease.vms().get(1).name(), "last back", Instant.now()).orElseThrow();
    assertEquals(LeaseRow.RELEASED, leases.find("L-q5").orElseThrow().lease().state());
  }

  @Test
  void pendingLease_reservesItsWholeDemand_soACheckoutCannotGoOverTheQuota() {
    Seed.pool(db, "q6", "sim", 10);
    Seed.readyVms(db, "q6", "sim", "q6", 1);
    PendingLeaseStore pending = new PendingLeaseStore(db);
    List<LeaseQuota> four = List.of(new LeaseQuota("quotas.per_user", Set.of("hank"), 4, Map.of()));
    pending.create(newPending("P-q6", "hank", "q6", 3, four));
    pending.fill("P-q6", Instant.now()); // holds the one ready VM, still waits for two
    Seed.readyVms(db, "q6", "sim", "q6-more", 5);

    QuotaExceededException refused =
        assertThrows(
            QuotaExceededException.class, () -> leases.claim(claim("hank", Map.of("q6", 2), four)));
    assertEquals(3, refused.leased(), "one held and two awaited count against the quota");
    leases.claim(claim("hank", Map.of("q6", 1), four));
  }

  @Test
  void pendingLeaseOverTheQuota_isRefused_andNothingIsRecorded() {
    Seed.pool(db, "q7", "sim", 10);
    Seed.readyVms(db, "q7", "sim", "q7", 10);
    PendingLeaseStore pending = new PendingLeaseStore(db);
    List<LeaseQuota> perPool =
        List.of(new LeaseQuota("quotas.groups.qa", Set.of("ivy", "jack"), null, Map.of("q7", 3)));
    leases.claim(claim("jack", Map.of("q7", 2), perPool));

    QuotaExceededException refused =
        assertThrows(
            QuotaExceededException.class,
            () -> pending.create(newPending("P-q7", "ivy", "q7", 2, perPool)));

    assertEquals("quotas.groups.qa.pools.q7", refused.key());
    assertTrue(pending.find("P-q7").isEmpty(), "a refused pending lease leaves no rows");
    pending.create(newPending("P-q7b", "ivy", "q7", 1, perPool));
    assertThrows(
        QuotaExceededException.class, () -> leases.claim(claim("jack", Map.of("q7", 1), perPool)));
  }

  @Test
  void concurrentPendingLeasesAndCheckouts_ofOneUser_neverGoOverTheQuota() throws Exception {
    Seed.pool(db, "q8", "sim", 100);
    Seed.readyVms(db, "q8", "sim", "q8", 100);
    PendingLeaseStore pending = new PendingLeaseStore(db);
    List<LeaseQuota> six = List.of(new LeaseQuota("quotas.per_user", Set.of("kim"), 6, Map.of()));
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String id = "P-q8-" + i;
        results.add(
            i % 2 == 0
                ? callers.submit(() -> pending.create(newPending(id, "kim", "q8", 1, six)))
                : callers.submit(() -> leases.claim(claim("kim", Map.of("q8", 1), six))));
      }
      int granted = 0;
      for (Future<?> f : results) {
        try {
          f.get();
          granted++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof QuotaExceededException, e.getCause().toString());
        }
      }
      assertEquals(6, granted, "pending leases and checkouts together stop at the quota");
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void aPendingLeaseThatFillsDuringACheckout_stillCountsAgainstTheQuota() throws Exception {
    Seed.pool(db, "q9", "sim", 200);
    PendingLeaseStore pending = new PendingLeaseStore(db);
    List<LeaseQuota> three = List.of(new LeaseQuota("quotas.per_user", Set.of("lou"), 3, Map.of()));
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 25; round++) {
        String id = "P-q9-" + round;
        pending.create(newPending(id, "lou", "q9", 3, three)); // nothing ready: it waits
        Seed.readyVms(db, "q9", "sim", "q9-" + round, 4); // enough for the lease and one more
        // The lease turns active while the checkout reads the quota; in every order it holds three.
        Future<LeaseFill> fill = callers.submit(() -> pending.fill(id, Instant.now()));
        Future<?> checkout =
            callers.submit(() -> leases.claim(claim("lou", Map.of("q9", 1), three)));
        assertEquals(LeaseRow.ACTIVE, fill.get().state());
        java.util.concurrent.ExecutionException refused =
            assertThrows(
                java.util.concurrent.ExecutionException.class, checkout::get, "round " + round);
        assertTrue(
            refused.getCause() instanceof QuotaExceededException, refused.getCause().toString());
        leases.end(id, LeaseRow.RELEASED, "released by lou", Instant.now());
      }
    } finally {
      callers.shutdownNow();
    }
  }

  private static PendingLeaseStore.NewPendingLease newPending(
      String id, String owner, String pool, int count, List<LeaseQuota> quotas) {
    Instant now = Instant.now();
    return new PendingLeaseStore.NewPendingLease(
        id,
        owner,
        List.of(new LeaseDemandRow(id, 0, pool, pool, count)),
        now,
        now.plus(Duration.ofMinutes(10)),
        Duration.ofHours(1),
        null,
        LeaseRow.ONDEMAND,
        quotas);
  }

  private static int readyIn(String pool) {
    return db.inTransaction(
        s ->
            s.getMapper(VmMapper.class).countLiveInPool(pool).stream()
                .filter(c -> c.state().equals(VmStates.READY))
                .mapToInt(c -> c.count())
                .sum());
  }
}
