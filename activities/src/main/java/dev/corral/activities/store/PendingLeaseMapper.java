package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseWaitRow;
import dev.corral.activities.store.rows.PoolDemandRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/**
 * SQL for pending leases ({@code lease_wait}, {@code lease_demand}, and the {@code lease} and
 * {@code vm} changes only pending leases make), in PendingLeaseMapper.xml. Changes are
 * compare-and-set on state.
 */
public interface PendingLeaseMapper {
  int insertPendingLease(
      @Param("id") String id,
      @Param("owner") String owner,
      @Param("now") Instant now,
      @Param("waitUntil") Instant waitUntil);

  /**
   * {@code requestOwner}: whose request ids {@code row.requestId} is among, see {@link
   * PendingLeaseStore}.
   */
  int insertWait(@Param("row") LeaseWaitRow row, @Param("requestOwner") String requestOwner);

  int insertDemand(@Param("rows") List<LeaseDemandRow> rows);

  LeaseWaitRow selectWait(@Param("leaseId") String leaseId);

  List<LeaseDemandRow> selectDemand(@Param("leaseId") String leaseId);

  String leaseIdOfRequest(
      @Param("requestOwner") String requestOwner, @Param("requestId") String requestId);

  /**
   * Locks the lease row, so that fill, fail and cancel of one lease take turns; returns its state.
   */
  String lockLeaseState(@Param("id") String id);

  /**
   * VMs still missing for pending leases of the pool whose wait has not run out; with {@code
   * leaseId}, only those of leases older than it (created before it, ties by id), which are served
   * first. Only leases competing for the same VMs count: with {@code template}, those asking for
   * VMs of that template (on any provider, or on {@code provider} when given); with null, those
   * asking for any VM of the pool.
   */
  int outstanding(
      @Param("pool") String pool,
      @Param("now") Instant now,
      @Param("leaseId") String leaseId,
      @Param("createdAt") Instant createdAt,
      @Param("template") String template,
      @Param("provider") String provider);

  /**
   * Pending leases, wait not run out, that ask for VMs of this template on this provider (or on any
   * provider): the template must not be deleted under them.
   */
  List<String> waitingFor(
      @Param("template") String template,
      @Param("provider") String provider,
      @Param("now") Instant now);

  /**
   * The demand of each pending lease on the pool whose wait has not run out, with what it holds.
   */
  List<PoolDemandRow> demandOfPool(@Param("pool") String pool, @Param("now") Instant now);

  Instant createdAt(@Param("id") String id);

  /** Pending leases wanting VMs of the pool, oldest first. */
  List<String> pendingForPool(@Param("pool") String pool, @Param("limit") int limit);

  List<LeaseWaitRow> allPending();

  int activate(@Param("id") String id, @Param("expiresAt") Instant expiresAt);

  int endPending(
      @Param("id") String id,
      @Param("state") String state,
      @Param("reason") String reason,
      @Param("now") Instant now);

  int setFailReason(@Param("leaseId") String leaseId, @Param("reason") String reason);

  /**
   * The lease's held VMs back to ready, untouched by anyone, keeping their place in the ready
   * queue.
   */
  int releaseHeld(@Param("leaseId") String leaseId, @Param("now") Instant now);
}
