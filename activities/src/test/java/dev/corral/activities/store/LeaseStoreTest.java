package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ibatis.exceptions.PersistenceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LeaseStoreTest {
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

  @Test
  void sixteenThreadsDrainingAThousandReadyVms_leaseEveryVmExactlyOnce() throws Exception {
    Seed.pool(db, "drain", "sim", 1000);
    Seed.readyVms(db, "drain", "sim", "drain", 1000);
    Map<String, String> leaseOfVm = new ConcurrentHashMap<>();
    AtomicInteger doubleLeases = new AtomicInteger();
    AtomicInteger shortAnswers = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService clients = Executors.newFixedThreadPool(16);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      done.add(
          clients.submit(
              () -> {
                go.await();
                while (true) {
                  String id = UUID.randomUUID().toString();
                  try {
                    LeaseStore.Lease lease =
                        leases.claim(
                            id, null, Map.of("drain", 1), Instant.now(), Duration.ofHours(1));
                    for (VmRow vm : lease.vms()) {
                      if (leaseOfVm.putIfAbsent(vm.name(), id) != null) {
                        doubleLeases.incrementAndGet();
                      }
                    }
                  } catch (PoolShortException empty) {
                    shortAnswers.incrementAndGet();
                    return null;
                  }
                }
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get(2, TimeUnit.MINUTES);
    }
    clients.shutdown();

    assertEquals(0, doubleLeases.get(), "no VM may be handed to two leases");
    assertEquals(1000, leaseOfVm.size(), "every ready VM is leased");
    assertEquals(16, shortAnswers.get(), "each client ends on an empty pool");
    Map<String, Integer> states = new HashMap<>();
    db.inTransaction(s -> s.getMapper(VmMapper.class).list("drain", null, 5000))
        .forEach(vm -> states.merge(vm.state(), 1, Integer::sum));
    assertEquals(Map.of(VmStates.LEASED, 1000), states);
    assertEquals(
        1000, leaseIdsHoldingPool("drain").size(), "one lease row per VM, each holding its VM");
  }

  @Test
  void claimsCommittedTogether_whenOneIsShort_theOthersAreLeasedAndTheShortOneGetsNothing()
      throws Exception {
    Seed.pool(db, "mix", "sim", 3);
    Seed.readyVms(db, "mix", "sim", "mix", 3);
    try (LeaseStore store = new LeaseStore(db);
        Gate gate = Gate.holdingNextClaim(store)) {
      Future<LeaseStore.Lease> first = gate.queue("L-mix-1", Map.of("mix", 2));
      Future<LeaseStore.Lease> tooMany = gate.queue("L-mix-2", Map.of("mix", 2));
      Future<LeaseStore.Lease> last = gate.queue("L-mix-3", Map.of("mix", 1));
      gate.open();

      assertEquals(2, first.get(1, TimeUnit.MINUTES).vms().size());
      assertEquals(1, last.get(1, TimeUnit.MINUTES).vms().size());
      PoolShortException shortage = shortageOf(tooMany);
      assertEquals("mix", shortage.pool());
      assertEquals(2, shortage.requested());
      assertEquals(1, shortage.ready(), "the one VM left after the claim before it");
      assertEquals(1, gate.batchesAfterOpening(), "the three claims shared one transaction");
    }
    assertTrue(leases.find("L-mix-2").isEmpty(), "the short claim has no lease row");
    assertEquals(Set.of("L-mix-1", "L-mix-3"), leaseIdsHoldingPool("mix"));
  }

  @Test
  void claimOfTwoPoolsInABatch_whenOnePoolRunsShort_takesNothingFromTheOtherPool()
      throws Exception {
    Seed.pool(db, "wide", "sim", 2);
    Seed.readyVms(db, "wide", "sim", "wide", 2);
    Seed.pool(db, "narrow", "sim", 1);
    Seed.readyVms(db, "narrow", "sim", "narrow", 1);
    try (LeaseStore store = new LeaseStore(db);
        Gate gate = Gate.holdingNextClaim(store)) {
      Future<LeaseStore.Lease> both = gate.queue("L-both-1", Map.of("wide", 1, "narrow", 1));
      Future<LeaseStore.Lease> bothAgain = gate.queue("L-both-2", Map.of("wide", 1, "narrow", 1));
      Future<LeaseStore.Lease> wideOnly = gate.queue("L-wide", Map.of("wide", 1));
      gate.open();

      assertEquals(Set.of("wide", "narrow"), pools(both.get(1, TimeUnit.MINUTES).vms()));
      assertEquals("narrow", shortageOf(bothAgain).pool());
      assertEquals(
          Set.of("wide"),
          pools(wideOnly.get(1, TimeUnit.MINUTES).vms()),
          "the VM of 'wide' that the short claim did not take went to the next claim");
      assertEquals(1, gate.batchesAfterOpening());
    }
    assertEquals(Set.of("L-both-1", "L-wide"), leaseIdsHoldingPool("wide"));
    assertEquals(Set.of("L-both-1"), leaseIdsHoldingPool("narrow"));
    assertTrue(leases.find("L-both-2").isEmpty());
  }

  @Test
  void aDatabaseErrorInABatch_failsEveryClaimOfIt_leasesNothing_andLaterClaimsWork()
      throws Exception {
    Seed.pool(db, "fault", "sim", 3);
    Seed.readyVms(db, "fault", "sim", "fault", 3);
    try (LeaseStore store = new LeaseStore(db);
        Gate gate = Gate.holdingNextClaim(store)) {
      Future<LeaseStore.Lease> fine = gate.queue("L-fault-1", Map.of("fault", 1));
      // The owner column holds 128 characters: this row makes the batch's INSERT fail.
      Future<LeaseStore.Lease> broken =
          gate.queue("L-fault-2", "x".repeat(200), Map.of("fault", 1));
      gate.open();

      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> fine.get(1, TimeUnit.MINUTES));
      assertTrue(failed.getCause() instanceof PersistenceException, failed.getCause().toString());
      assertThrows(ExecutionException.class, () -> broken.get(1, TimeUnit.MINUTES));
      assertTrue(leaseIdsHoldingPool("fault").isEmpty(), "the failed batch leased nothing");

      assertEquals(
          3,
          store
              .claim("L-fault-3", null, Map.of("fault", 3), Instant.now(), Duration.ofHours(1))
              .vms()
              .size());
    }
  }

  @Test
  void closingTheStore_failsQueuedClaims_andRefusesNewOnes() throws Exception {
    Seed.pool(db, "closing", "sim", 2);
    Seed.readyVms(db, "closing", "sim", "closing", 2);
    LeaseStore store = new LeaseStore(db);
    Thread closer = new Thread(store::close, "test-closer");
    try (Gate gate = Gate.holdingNextClaim(store)) {
      Future<LeaseStore.Lease> queued = gate.queue("L-closing-1", Map.of("closing", 1));
      // Closed while a transaction is under way: the queued claim fails at once, without waiting
      // for it.
      closer.start();
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> queued.get(1, TimeUnit.MINUTES));
      assertTrue(
          failed.getCause().getMessage().contains("stopping"), failed.getCause().getMessage());
    }
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(closer.isAlive(), "close returns once the running transaction is done");
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () ->
                store.claim(
                    "L-closing-2", null, Map.of("closing", 1), Instant.now(), Duration.ofHours(1)));
    assertTrue(refused.getMessage().contains("nothing was leased"), refused.getMessage());
    assertTrue(leaseIdsHoldingPool("closing").isEmpty());
  }

  /** Lease ids that hold a VM of the pool, as the database has them. */
  private static Set<String> leaseIdsHoldingPool(String pool) {
    Set<String> ids = new java.util.TreeSet<>();
    db.inTransaction(s -> s.getMapper(VmMapper.class).list(pool, VmStates.LEASED, 5000))
        .forEach(vm -> ids.add(vm.leaseId()));
    return ids;
  }

  private static PoolShortException shortageOf(Future<LeaseStore.Lease> claim) {
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> claim.get(1, TimeUnit.MINUTES));
    return assertInstanceOf(PoolShortException.class, failed.getCause());
  }

  private static Set<String> pools(List<VmRow> vms) {
    Set<String> pools = new java.util.TreeSet<>();
    vms.forEach(vm -> pools.add(vm.pool()));
    return pools;
  }

  /**
   * Puts several claims into one batch: another connection holds an uncommitted lease row with the
   * id of a first claim, so the committer's transaction waits on that row while the claims queue
   * behind it; {@link #open} rolls the row back and the queued claims go in the next transaction.
   */
  private static final class Gate implements AutoCloseable {
    private final LeaseStore store;
    private final Connection blocker;
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final Future<LeaseStore.Lease> gateClaim;
    private int queued;
    private long batchesAtOpening;

    private Gate(LeaseStore store, Connection blocker, String gatePool) {
      this.store = store;
      this.blocker = blocker;
      this.gateClaim = submit("gate-" + gatePool, null, Map.of(gatePool, 1));
    }

    static Gate holdingNextClaim(LeaseStore store) throws Exception {
      String gatePool = "gate" + UUID.randomUUID().toString().substring(0, 8);
      Seed.pool(db, gatePool, "sim", 1);
      Seed.readyVms(db, gatePool, "sim", gatePool, 1);
      Connection blocker = db.dataSource().getConnection();
      try (PreparedStatement insert =
          blocker.prepareStatement(
              "INSERT INTO lease (id, state, created_at, expires_at) VALUES (?, 'active', NOW(3), NOW(3))")) {
        insert.setString(1, "gate-" + gatePool);
        insert.executeUpdate();
      }
      Gate gate = new Gate(store, blocker, gatePool);
      gate.awaitQueued(0);
      return gate;
    }

    Future<LeaseStore.Lease> queue(String leaseId, Map<String, Integer> counts) throws Exception {
      return queue(leaseId, null, counts);
    }

    Future<LeaseStore.Lease> queue(String leaseId, String owner, Map<String, Integer> counts)
        throws Exception {
      Future<LeaseStore.Lease> claim = submit(leaseId, owner, counts);
      awaitQueued(++queued);
      return claim;
    }

    private Future<LeaseStore.Lease> submit(
        String leaseId, String owner, Map<String, Integer> counts) {
      return callers.submit(
          () -> store.claim(leaseId, owner, counts, Instant.now(), Duration.ofHours(1)));
    }

    /**
     * Waits until the committer is inside the gate's transaction and {@code n} claims wait behind
     * it.
     */
    private void awaitQueued(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (store.queuedClaims() != n || store.batchesStarted() < 1) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "expected " + n + " queued claims, have " + store.queuedClaims());
        }
        Thread.sleep(5);
      }
    }

    void open() throws Exception {
      batchesAtOpening = store.batchesStarted();
      blocker.rollback();
      gateClaim.get(1, TimeUnit.MINUTES);
    }

    long batchesAfterOpening() {
      return store.batchesStarted() - batchesAtOpening;
    }

    @Override
    public void close() throws Exception {
      blocker.rollback();
      blocker.close();
      callers.shutdownNow();
    }
  }

  @Test
  void leaseOfTwoPools_whenOneIsShort_leasesNothingAndNamesTheShortPool() {
    Seed.pool(db, "plenty", "sim", 5);
    Seed.readyVms(db, "plenty", "sim", "plenty", 5);
    Seed.pool(db, "scarce", "sim", 1);
    Seed.readyVms(db, "scarce", "sim", "scarce", 1);

    PoolShortException shortage =
        assertThrows(
            PoolShortException.class,
            () ->
                leases.claim(
                    "L-short",
                    null,
                    Map.of("plenty", 3, "scarce", 2),
                    Instant.now(),
                    Duration.ofHours(1)));

    assertEquals("scarce", shortage.pool());
    assertEquals(1, shortage.ready());
    assertTrue(leases.find("L-short").isEmpty(), "the lease row rolled back");
    long leased =
        db.inTransaction(s -> s.getMapper(VmMapper.class).list(null, VmStates.LEASED, 100)).stream()
            .filter(vm -> vm.pool().equals("plenty") || vm.pool().equals("scarce"))
            .count();
    assertEquals(0, leased, "no VM of either pool stays leased");
  }

  @Test
  void endingALease_marksItsVmsDestroying_andEndingAgainChangesNothing() {
    Seed.pool(db, "ending", "sim", 2);
    Seed.readyVms(db, "ending", "sim", "ending", 2);
    Instant now = Instant.now();
    LeaseStore.Lease lease =
        leases.claim("L-end", "alice", Map.of("ending", 2), now, Duration.ofHours(2));
    assertEquals(
        now.plus(Duration.ofHours(2)).toEpochMilli(), lease.lease().expiresAt().toEpochMilli());
    assertEquals(Set.of("ending-0", "ending-1"), names(lease.vms()));

    LeaseStore.Lease ended =
        leases.end("L-end", LeaseRow.RELEASED, "released by alice", now).orElseThrow();
    assertEquals(LeaseRow.RELEASED, ended.lease().state());
    assertTrue(ended.vms().stream().allMatch(vm -> vm.state().equals(VmStates.DESTROYING)));

    LeaseStore.Lease again =
        leases.end("L-end", LeaseRow.EXPIRED, "too late", now.plusSeconds(5)).orElseThrow();
    assertEquals(LeaseRow.RELEASED, again.lease().state(), "the first ending stands");
    assertEquals("released by alice", again.lease().endReason());
  }

  private static Set<String> names(List<VmRow> vms) {
    Set<String> names = new java.util.TreeSet<>();
    vms.forEach(vm -> names.add(vm.name()));
    return names;
  }
}
