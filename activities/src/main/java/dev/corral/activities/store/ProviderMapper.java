package dev.corral.activities.store;

import dev.corral.activities.store.rows.ProviderRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code provider}, in ProviderMapper.xml. */
public interface ProviderMapper {
  int upsert(@Param("row") ProviderRow row, @Param("now") Instant now);

  int deactivateAllExcept(@Param("names") List<String> names, @Param("now") Instant now);

  List<ProviderRow> selectAll();

  /**
   * Locks the provider row so that concurrent reservations on it (any pool, any instance) take
   * turns.
   */
  ProviderRow selectForUpdate(@Param("name") String name);

  ProviderRow selectByName(@Param("name") String name);

  int setDisabled(
      @Param("name") String name,
      @Param("reason") String reason,
      @Param("by") String by,
      @Param("now") Instant now);

  /** 0 when it was not disabled. */
  int clearDisabled(@Param("name") String name, @Param("now") Instant now);
}
