package dev.corral.activities.store;

import dev.corral.activities.store.rows.DatedTags;
import dev.corral.activities.store.rows.PoolAlias;
import dev.corral.activities.store.rows.PoolInstant;
import dev.corral.activities.store.rows.PoolVmCount;
import dev.corral.activities.store.rows.ReadyDurations;
import dev.corral.activities.store.rows.StateCount;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/**
 * Read-only aggregates for status and summary reports, in StatsMapper.xml; each is one GROUP BY.
 */
public interface StatsMapper {
  /**
   * Live VMs per pool and state, with provisioning split into {@code cloning} and {@code booting}.
   */
  List<StateCount> livePhasesByPool();

  /**
   * For the pool gauges: every configured pool (and every removed one that still has VMs counted)
   * with its effective size (0 once removed), and its VMs per state: live states in full, {@code
   * destroyed} and {@code failed} only since {@code since}, as the pool view counts failures.
   */
  List<PoolVmCount> poolVmCounts(@Param("since") Instant since);

  /** Every alias of every pool, ordered by alias. */
  List<PoolAlias> aliases();

  /** When each pool's newest VM became ready. */
  List<PoolInstant> lastReadyByPool();

  /** Clone and boot durations per day and pool, of VMs that became ready in [from, to). */
  List<ReadyDurations> readyDurations(@Param("from") Instant from, @Param("to") Instant to);

  /** 1 when {@code lease.tags} exists (it arrives with a later migration), else 0. */
  int leaseTagsColumns();

  /**
   * The lease tags of each VM leased by a lease that began in [from, to); only when the column
   * exists.
   */
  List<DatedTags> leaseTags(@Param("from") Instant from, @Param("to") Instant to);
}
