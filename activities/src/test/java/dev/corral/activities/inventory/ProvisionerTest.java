package dev.corral.activities.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.VmRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reservations honour each provider's limits, for all pools together, and are idempotent. */
class ProvisionerTest {
  private Db db;
  private Provisioner provisioner;

  @BeforeEach
  void freshDatabase() {
    db = TestDatabase.freshDb();
    provisioner = new Provisioner(db, Clock.systemUTC());
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  private void configure(int maxVms, int maxConcurrentClones, PoolConfig... pools) {
    SimulatedSettings sim =
        new SimulatedSettings(
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SimulatedSettings.FailPercent.NONE,
            0,
            null);
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    providers.put("a", new ProviderConfig("a", "simulated", maxVms, maxConcurrentClones, sim));
    providers.put("b", new ProviderConfig("b", "simulated", maxVms, maxConcurrentClones, sim));
    new ConfigSync(db)
        .apply(
            CorralConfig.builder().providers(providers).pools(List.of(pools)).build(),
            Instant.now());
  }

  private static PoolConfig pool(String name, int size, String... providers) {
    return PoolConfig.builder(name)
        .template("tpl")
        .providers(List.of(providers))
        .size(size)
        .readyTtl(Duration.ofHours(1))
        .build();
  }

  private static List<String> names(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + "-" + i).toList();
  }

  @Test
  void aProviderWhoseLastTriesAllFailed_isSkipped_whileAnotherCanTakeTheVms() {
    configure(100, 100, pool("p", 4, "a", "b"), pool("old", 0, "a", "b"));
    Instant now = Instant.now();
    db.inTransaction(
        s -> {
          VmMapper vms = s.getMapper(VmMapper.class);
          for (int i = 0; i < ProviderHealth.FAILING_AFTER; i++) {
            vms.insertProvisioning("broken-" + i, "old", "a", "tpl", now);
            vms.markFailed("broken-" + i, 3, "boot timeout", now.plusMillis(i));
          }
          return null;
        });

    Provisioner.Reservation reservation = provisioner.reserve("p", names("p", 4));

    assertEquals(
        List.of("b", "b", "b", "b"),
        reservation.vms().stream().map(VmRequest::provider).toList(),
        "provider a failed its last " + ProviderHealth.FAILING_AFTER + " tries");
  }

  @Test
  void aFailingProvider_getsOneTrialVmAfterItsCoolDown_andIsTrustedAgainOnceATrialIsReady() {
    configure(100, 100, pool("p", 4, "a", "b"), pool("old", 0, "a", "b"));
    Instant longAgo = Instant.now().minus(ProviderHealth.RETRY_AFTER).minusSeconds(5);
    db.inTransaction(
        s -> {
          VmMapper vms = s.getMapper(VmMapper.class);
          for (int i = 0; i < ProviderHealth.FAILING_AFTER; i++) {
            vms.insertProvisioning("broken-" + i, "old", "a", "tpl", longAgo);
            vms.markFailed("broken-" + i, 3, "boot timeout", longAgo.plusMillis(i));
          }
          return null;
        });

    Provisioner.Reservation half = provisioner.reserve("p", names("p", 4));

    assertEquals(
        1,
        half.vms().stream().filter(vm -> vm.provider().equals("a")).count(),
        "half-open: one trial VM on a, the rest on b");
    assertEquals(
        0,
        provisioner.reserve("p", names("q", 4)).vms().stream()
            .filter(vm -> vm.provider().equals("a"))
            .count(),
        "no second trial while the first is provisioning");
    String trial =
        half.vms().stream().filter(vm -> vm.provider().equals("a")).findFirst().orElseThrow().vm();
    db.inTransaction(
        s -> s.getMapper(VmMapper.class).markReady(trial, trial, "10.0.0.1", null, Instant.now()));
    assertEquals(
        ProviderHealth.State.OK,
        db.inTransaction(s -> ProviderHealth.of(s.getMapper(VmMapper.class), "a", Instant.now()))
            .state(),
        "a ready trial closes the breaker");
  }

  @Test
  void reservation_stopsAtMaxConcurrentClones_andSaysWhy() {
    configure(100, 3, pool("p", 10, "a"));

    Provisioner.Reservation first = provisioner.reserve("p", names("p", 10));

    assertEquals(3, first.vms().size());
    assertTrue(first.limitedBy().contains("max_concurrent_clones (3)"), first.limitedBy());
    assertEquals(0, provisioner.reserve("p", names("q", 10)).vms().size(), "no clone slot is free");
  }

  @Test
  void reservation_spreadsOverTheLeastLoadedProviders_andStopsAtMaxVms() {
    configure(2, 10, pool("p", 10, "a", "b"));

    Provisioner.Reservation reservation = provisioner.reserve("p", names("p", 10));

    assertEquals(4, reservation.vms().size(), "two on each provider");
    assertEquals(
        List.of("a", "b", "a", "b"),
        reservation.vms().stream().map(VmRequest::provider).toList(),
        "each VM goes to the provider with the lower share of its max_vms in use; ties to the pool's first");
    assertTrue(reservation.limitedBy().contains("max_vms (2)"), reservation.limitedBy());
  }

  @Test
  void reservation_neverExceedsThePoolsDeficit_andARetryReservesTheSameRows() {
    configure(100, 100, pool("p", 4, "a"));

    Provisioner.Reservation first = provisioner.reserve("p", names("p", 6));
    Provisioner.Reservation retried = provisioner.reserve("p", names("p", 6));

    assertEquals(4, first.vms().size(), "size 4: the other two names are not needed");
    assertNull(first.limitedBy());
    assertEquals(
        first.vms(), retried.vms(), "a retried activity finds its own rows instead of adding more");
    assertEquals(4, db.inTransaction(s -> s.getMapper(VmMapper.class).list("p", null, 100)).size());
  }

  @Test
  void aWaitingLeaseForAnotherBuild_getsClonesOfItsTemplate_onlyWhereItIsHeld_beforeThePoolsOwn() {
    configure(100, 100, pool("p", 1, "a", "b"));
    Seed.rawTemplate(db, "b", "older-build", null, "1.0", LocalDate.of(2026, 1, 1), Instant.now());
    Seed.waitingLease(db, "lease-older", "p", 2, "older-build", null, Instant.now());

    Provisioner.Reservation reservation = provisioner.reserve("p", names("p", 5));

    assertEquals(
        List.of("older-build@b", "older-build@b", "tpl@a"),
        reservation.vms().stream().map(vm -> vm.template() + "@" + vm.provider()).toList(),
        "the lease's two first, on the only provider holding its build, then the pool's own one");
    assertEquals(
        0,
        provisioner.reserve("p", names("q", 5)).vms().size(),
        "what is provisioning already counts: nothing more is wanted");
  }

  @Test
  void aWaitingLeaseNamingAProvider_getsClonesThereOnly_andWaitsForRoomThere() {
    configure(100, 1, pool("p", 0, "a", "b"));
    Seed.rawTemplate(db, "a", "older-build", null, "1.0", LocalDate.of(2026, 1, 1), Instant.now());
    Seed.rawTemplate(db, "b", "older-build", null, "1.0", LocalDate.of(2026, 1, 1), Instant.now());
    Seed.waitingLease(db, "lease-older-b", "p", 3, "older-build", "b", Instant.now());

    Provisioner.Reservation reservation = provisioner.reserve("p", names("p", 5));

    assertEquals(
        List.of("older-build@b"),
        reservation.vms().stream().map(vm -> vm.template() + "@" + vm.provider()).toList());
    assertTrue(
        reservation.limitedBy().contains("provider b is at max_concurrent_clones"),
        reservation.limitedBy());
  }

  @Test
  void clonesOfACurrentTemplateMadeForALease_doNotCountTowardSize_soNoReadyVmIsRetiredAsSurplus() {
    configure(100, 100, pool("p", 2, "a", "b"));
    Seed.waitingLease(db, "lease-tpl-a", "p", 2, "tpl", "a", Instant.now());
    Seed.vm(db, "p-ready-b", "p", "b", "ready", null);
    Seed.vm(db, "p-held-a", "p", "a", "leased", "lease-tpl-a");

    Provisioner.Reservation reservation = provisioner.reserve("p", names("p", 5));
    PoolPlan plan = new PoolPlanner(db, Clock.systemUTC(), Duration.ofSeconds(30)).plan("p");

    assertEquals(
        List.of("tpl@a", "tpl@b"),
        reservation.vms().stream().map(vm -> vm.template() + "@" + vm.provider()).toList(),
        "the lease's VM on a, and the pool's refill on the less loaded provider");
    assertEquals(List.of(), plan.retire(), "the ready VM on b is the pool's, not surplus");
    assertEquals(0, plan.toProvision(), "nothing more is missing");
  }

  @Test
  void poolsSharingAProvider_reservingAtOnce_stayWithinItsLimits() throws Exception {
    configure(
        12, 5, pool("p1", 20, "a"), pool("p2", 20, "a"), pool("p3", 20, "a"), pool("p4", 20, "a"));
    ExecutorService shepherds = Executors.newFixedThreadPool(4);
    List<Future<Integer>> reserved = new ArrayList<>();
    for (String pool : List.of("p1", "p2", "p3", "p4")) {
      reserved.add(shepherds.submit(() -> provisioner.reserve(pool, names(pool, 20)).vms().size()));
    }
    int total = 0;
    for (Future<Integer> f : reserved) {
      total += f.get();
    }
    shepherds.shutdown();

    assertEquals(5, total, "max_concurrent_clones 5 holds across pools reserving concurrently");
    int rows =
        db.inTransaction(s -> s.getMapper(VmMapper.class).list(null, "provisioning", 100)).size();
    assertEquals(5, rows);
  }
}
