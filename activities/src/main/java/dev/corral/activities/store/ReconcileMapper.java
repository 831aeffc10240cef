package dev.corral.activities.store;

import dev.corral.activities.store.rows.CheckedVm;
import dev.corral.activities.store.rows.Sighting;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/**
 * SQL of the reconciler, in ReconcileMapper.xml: which VMs to check next, and sightings of unknown
 * VMs.
 */
public interface ReconcileMapper {
  /** How many of the provider's VMs the reconciler checks (the states it checks in). */
  int countCheckable(@Param("provider") String provider, @Param("states") List<String> states);

  /**
   * Up to {@code limit} of the provider's VMs in {@code states} not checked since {@code
   * checkedBefore} (null: all), never-checked first, then the longest unchecked. Provisioning VMs
   * count only once their clone finished.
   */
  List<CheckedVm> dueForCheck(
      @Param("provider") String provider,
      @Param("states") List<String> states,
      @Param("checkedBefore") Instant checkedBefore,
      @Param("limit") int limit);

  /**
   * Names of the provider's VMs in {@code states}: what a listing of its inventory is compared
   * with.
   */
  List<String> liveNames(@Param("provider") String provider, @Param("states") List<String> states);

  /**
   * Records that the VMs with these ids were checked at {@code now}; writes vm_check only, no vm
   * row.
   */
  int markChecked(@Param("ids") List<Long> ids, @Param("now") Instant now);

  Sighting selectSighting(@Param("provider") String provider, @Param("name") String name);

  /** Records a sighting: the first inserts the row, a later one counts it. */
  int recordSighting(
      @Param("provider") String provider, @Param("name") String name, @Param("now") Instant now);

  int deleteSighting(@Param("provider") String provider, @Param("name") String name);

  /**
   * Forgets the provider's sightings not seen at the listing of {@code listedAt}: they are gone or
   * known now.
   */
  int deleteSightingsNotSeenSince(
      @Param("provider") String provider, @Param("listedAt") Instant listedAt);
}
