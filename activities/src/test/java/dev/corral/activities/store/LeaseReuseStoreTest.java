package dev.corral.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.PoolConfig;
import dev.corral.config.PoolLeasing;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inventory side of reuse for the same owner: what a release keeps, and what a claim takes. The
 * cleanup hook is the VM workflow's; here {@link VmMapper#markReusable} stands in for it.
 */
class LeaseReuseStoreTest {
  private static final Duration WITHIN = Duration.ofMinutes(30);
  static Db db;
  static LeaseStore leases;

  @BeforeAll
  static void startDatabase() {
    db = TestDatabase.freshDb();
    // One pool per test: the tests share the database.
    leases =
        new LeaseStore(
            db,
            ReuseRules.of(
                List.of(
                    pool("held", 5),
                    pool("stock", 5),
                    pool("order", 5),
                    pool("twice", 2),
                    pool("others", 5),
                    pool("giveback", 5),
                    pool("pending", 5),
                    plainPool("plain").build())));
  }

  @AfterAll
  static void closeDatabase() {
    leases.close();
    db.close();
  }

  private static PoolConfig pool(String name, int maxUses) {
    return plainPool(name)
        .leasing(new PoolLeasing(false, null, 10, PoolLeasing.Reuse.SAME_OWNER, WITHIN, maxUses))
        .build();
  }

  private static PoolConfig.Builder plainPool(String name) {
    return PoolConfig.builder(name)
        .template("tpl")
        .providers(List.of("sim"))
        .readyTtl(Duration.ofHours(1))
        .bootTimeout(Duration.ofMinutes(5))
        .lifetime(Duration.ofHours(1));
  }

  private static void seed(String pool, int ready) {
    Seed.pool(db, pool, "sim", ready);
    Seed.readyVms(db, pool, "sim", pool, ready);
  }

  private static VmRow claimOne(String owner, String pool, Instant at) {
    return leases
        .claim(UUID.randomUUID().toString(), owner, Map.of(pool, 1), at, Duration.ofHours(1))
        .vms()
        .get(0);
  }

  private static VmRow row(String name) {
    return db.inTransaction(s -> s.getMapper(VmMapper.class).selectByName(name));
  }

  private static VmRow release(VmRow vm, Instant at) {
    leases.end(vm.leaseId(), LeaseRow.RELEASED, "released by request", at).orElseThrow();
    return row(vm.name());
  }

  /** What the VM workflow does once the cleanup hook succeeded. */
  private static void cleaned(String vm) {
    db.inTransaction(s -> s.getMapper(VmMapper.class).markReusable(vm, Instant.now()));
  }

  @Test
  void releasedVm_isHeldForItsOwner_andOnlyThatOwnersClaimTakesIt_beforeReadyOnes() {
    seed("held", 3);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    VmRow first = claimOne("alice", "held", now);
    assertEquals(1, first.uses());
    assertFalse(first.reused());

    VmRow held = release(first, now.plusSeconds(60));
    assertEquals(VmStates.CLEANING, held.state());
    assertEquals("alice", held.reservedFor());
    assertEquals(first.leasedAt(), held.firstLeasedAt(), "the first lease's start is recorded");
    assertEquals(now.plusSeconds(60).plus(WITHIN), held.reusableUntil());
    cleaned(first.name());
    assertEquals(VmStates.REUSABLE, row(first.name()).state());

    VmRow bobs = claimOne("bob", "held", now.plusSeconds(70));
    assertNotEquals(first.name(), bobs.name(), "another owner gets a ready VM");
    VmRow again = claimOne("alice", "held", now.plusSeconds(80));
    assertEquals(first.name(), again.name(), "the owner gets the held VM before any ready one");
    assertTrue(again.reused());
    VmRow leased = row(first.name());
    assertEquals(VmStates.LEASED, leased.state());
    assertEquals(2, leased.uses());
    assertNull(leased.reservedFor());
    assertNull(leased.reusableUntil());
    assertEquals(first.leasedAt(), leased.firstLeasedAt(), "the first lease's start stays");
  }

  @Test
  void heldVms_areNotReadyStock_forOtherOwners() {
    seed("stock", 2);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    VmRow alices = claimOne("alice", "stock", now);
    release(alices, now);
    cleaned(alices.name());

    PoolShortException refused =
        assertThrows(
            PoolShortException.class,
            () ->
                leases.claim(
                    UUID.randomUUID().toString(),
                    "bob",
                    Map.of("stock", 2),
                    now,
                    Duration.ofHours(1)));
    assertEquals(1, refused.ready(), "only the ready VM is there for bob");
    LeaseStore.Lease both =
        leases.claim(
            UUID.randomUUID().toString(), "alice", Map.of("stock", 2), now, Duration.ofHours(1));
    assertTrue(
        both.vms().stream().anyMatch(vm -> vm.name().equals(alices.name())),
        "alice's claim takes her held VM and a ready one");
  }

  @Test
  void ownersClaim_takesTheHeldVmWithFewestUsesFirst() {
    seed("order", 3);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    VmRow a = claimOne("carol", "order", now);
    VmRow b = claimOne("carol", "order", now);
    release(a, now);
    cleaned(a.name());
    assertEquals(a.name(), claimOne("carol", "order", now).name());
    release(row(a.name()), now);
    release(b, now);
    cleaned(a.name());
    cleaned(b.name());

    assertEquals(b.name(), claimOne("carol", "order", now).name(), "b served one lease, a two");
    assertEquals(a.name(), claimOne("carol", "order", now).name());
  }

  @Test
  void vmThatServedReuseMaxUses_orWasFirstLeasedLongerThanReuseWithinAgo_isDestroyed() {
    seed("twice", 2);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    VmRow vm = claimOne("alice", "twice", now);
    release(vm, now);
    cleaned(vm.name());
    claimOne("alice", "twice", now);
    VmRow spent = release(row(vm.name()), now);
    assertEquals(VmStates.DESTROYING, spent.state());
    assertTrue(
        spent.retireReason().contains("served 2 lease(s), reuse_max_uses is 2"),
        spent.retireReason());

    VmRow old = claimOne("alice", "twice", now);
    VmRow late = release(old, now.plus(WITHIN).plusSeconds(1));
    assertEquals(VmStates.DESTROYING, late.state());
    assertTrue(late.retireReason().contains("reuse_within (30m)"), late.retireReason());
  }

  @Test
  void anonymousLeases_expiredLeases_andPoolsWithoutReuse_destroyTheirVms() {
    seed("others", 3);
    seed("plain", 1);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    VmRow anonymous = claimOne(null, "others", now);
    VmRow expiring = claimOne("alice", "others", now);
    VmRow plain = claimOne("alice", "plain", now);

    assertEquals(VmStates.DESTROYING, release(anonymous, now).state());
    leases.end(expiring.leaseId(), LeaseRow.EXPIRED, "lifetime ended", now);
    assertEquals(VmStates.DESTROYING, row(expiring.name()).state());
    assertEquals(VmStates.DESTROYING, release(plain, now).state());
    assertEquals("lease released", row(plain.name()).retireReason());
  }

  @Test
  void givingBackOneVmOfAnOwnedLease_holdsIt_andTheLeaseEndsWithItsLastVm() {
    seed("giveback", 3);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    LeaseStore.Lease lease =
        leases.claim(
            UUID.randomUUID().toString(), "dave", Map.of("giveback", 2), now, Duration.ofHours(1));

    leases.releaseVm(lease.vms().get(0).name(), "released by request", now).orElseThrow();
    assertEquals(VmStates.CLEANING, row(lease.vms().get(0).name()).state());
    assertEquals(LeaseRow.ACTIVE, leases.find(lease.lease().id()).orElseThrow().lease().state());
    assertTrue(
        leases.releaseVm(lease.vms().get(0).name(), "again", now).isEmpty(),
        "a second give-back is a not-leased");

    leases.releaseVm(lease.vms().get(1).name(), "released by request", now).orElseThrow();
    assertEquals(VmStates.CLEANING, row(lease.vms().get(1).name()).state());
    assertEquals(LeaseRow.RELEASED, leases.find(lease.lease().id()).orElseThrow().lease().state());
  }

  @Test
  void vmsAPendingLeaseHeldAndGaveBack_haveServedNobody() {
    seed("pending", 1);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    PendingLeaseStore pending = new PendingLeaseStore(db);
    String id = UUID.randomUUID().toString();
    pending.create(
        new PendingLeaseStore.NewPendingLease(
            id,
            "erin",
            List.of(new LeaseDemandRow(id, 0, "pending", "pending", 2)),
            now,
            now.plusSeconds(60),
            Duration.ofHours(1),
            null,
            LeaseRow.V1,
            List.of()));
    pending.fill(id, now);
    assertEquals(1, row("pending-0").uses(), "held by the pending lease");

    pending.fail(id, now.plusSeconds(61));

    VmRow back = row("pending-0");
    assertEquals(VmStates.READY, back.state());
    assertEquals(0, back.uses());
    VmRow claimed = claimOne("erin", "pending", now);
    assertEquals(1, claimed.uses());
    assertFalse(claimed.reused(), "a VM from the ready stock was not held for its owner");
  }
}
