package dev.corral.activities.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.ReconcileMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.CheckedVm;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's bookkeeping against the lease path: a claim locks ready rows with SKIP LOCKED,
 * so any vm row the reconciler held while marking VMs checked was a VM no lease could get; a small
 * pool then answered 503 with every VM ready.
 */
class ReconcileBookkeepingTest {
  static final String PROVIDER = ReconcilerStaggerTest.PROVIDER;

  @Test
  void whileAReconcileMarksEveryVmOfASmallPoolChecked_aLeaseClaimStillLocksAllItsReadyVms()
      throws Exception {
    try (Db db = TestDatabase.freshDb()) {
      Seed.pool(db, "small", PROVIDER, 5);
      Seed.readyVms(db, "small", PROVIDER, "corral-small", 5);
      List<Long> ids =
          db
              .inTransaction(
                  s ->
                      s.getMapper(ReconcileMapper.class)
                          .dueForCheck(PROVIDER, Reconciler.CHECKED, null, 100))
              .stream()
              .map(CheckedVm::id)
              .toList();
      assertEquals(5, ids.size());

      CountDownLatch marked = new CountDownLatch(1);
      CountDownLatch claimed = new CountDownLatch(1);
      CompletableFuture<Integer> reconcile =
          CompletableFuture.supplyAsync(
              () ->
                  db.inTransaction(
                      session -> {
                        int n =
                            session
                                .getMapper(ReconcileMapper.class)
                                .markChecked(ids, Instant.now());
                        marked.countDown();
                        try {
                          claimed.await(
                              30,
                              TimeUnit
                                  .SECONDS); // the reconciler's transaction stays open while the
                          // claim runs
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return n;
                      }));
      try {
        assertTrue(marked.await(30, TimeUnit.SECONDS));
        int got = db.inTransaction(s -> s.getMapper(VmMapper.class).lockReady("small", 5).size());
        assertEquals(5, got, "a claim during the reconciler's bookkeeping must see every ready VM");
      } finally {
        claimed.countDown();
      }
      assertTrue(reconcile.get(30, TimeUnit.SECONDS) > 0);
      List<CheckedVm> due =
          db.inTransaction(
              s ->
                  s.getMapper(ReconcileMapper.class)
                      .dueForCheck(
                          PROVIDER, Reconciler.CHECKED, Instant.now().minusSeconds(3600), 100));
      assertTrue(due.isEmpty(), "all five are marked checked now: " + due);
    }
  }
}
