package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code lease}, in LeaseMapper.xml. */
public interface LeaseMapper {
  /** Inserts several leases in one statement (leases must not be empty). */
  int insertAll(@Param("leases") List<LeaseRow> leases);

  LeaseRow selectById(@Param("id") String id);

  List<LeaseRow> selectByIds(@Param("ids") java.util.Collection<String> ids);

  /** Newest first; {@code owner} and {@code state} filter when not null. */
  List<LeaseRow> selectRecent(
      @Param("owner") String owner, @Param("state") String state, @Param("limit") int limit);

  /** New expiry and tags of an active lease; 0 when it has ended. */
  int updateTerms(
      @Param("id") String id, @Param("expiresAt") Instant expiresAt, @Param("tags") String tags);

  /**
   * VMs each owner holds or has reserved, per pool: leased VMs of active leases plus everything
   * pending leases asked for. One statement, so at READ COMMITTED it reads one snapshot: a pending
   * lease that fills between two separate reads would otherwise be counted in neither.
   */
  List<dev.corral.activities.store.rows.OwnerPoolCount> countHeldByOwner(
      @Param("owners") java.util.Collection<String> owners);

  /**
   * Locks the owners' quota rows (made on first use) until the transaction ends; pass them sorted.
   */
  void lockQuotaOwners(@Param("owners") java.util.Collection<String> owners);

  /** Ends an active lease; returns 0 when it had already ended (so ending is idempotent). */
  int end(
      @Param("id") String id,
      @Param("state") String state,
      @Param("reason") String reason,
      @Param("now") Instant now);

  /** Active leases past their expiry that hold a VM of this pool. */
  List<String> expiredHoldingPool(@Param("pool") String pool, @Param("now") Instant now);

  Instant nextExpiryHoldingPool(@Param("pool") String pool);
}
