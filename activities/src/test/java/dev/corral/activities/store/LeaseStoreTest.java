package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
                    LeaseStore.Lease lease = leases.claim(id, null, Map.of("drain", 1), Instant.now(), Duration.ofHours(1));
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
            () -> leases.claim("L-short", null, Map.of("plenty", 3, "scarce", 2), Instant.now(), Duration.ofHours(1)));

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
    LeaseStore.Lease lease = leases.claim("L-end", "alice", Map.of("ending", 2), now, Duration.ofHours(2));
    assertEquals(now.plus(Duration.ofHours(2)).toEpochMilli(), lease.lease().expiresAt().toEpochMilli());
    assertEquals(Set.of("ending-0", "ending-1"), names(lease.vms()));

    LeaseStore.Lease ended = leases.end("L-end", LeaseRow.RELEASED, "released by alice", now).orElseThrow();
    assertEquals(LeaseRow.RELEASED, ended.lease().state());
    assertTrue(ended.vms().stream().allMatch(vm -> vm.state().equals(VmStates.DESTROYING)));

    LeaseStore.Lease again = leases.end("L-end", LeaseRow.EXPIRED, "too late", now.plusSeconds(5)).orElseThrow();
    assertEquals(LeaseRow.RELEASED, again.lease().state(), "the first ending stands");
    assertEquals("released by alice", again.lease().endReason());
  }

  private static Set<String> names(List<VmRow> vms) {
    Set<String> names = new java.util.TreeSet<>();
    vms.forEach(vm -> names.add(vm.name()));
    return names;
  }
}
