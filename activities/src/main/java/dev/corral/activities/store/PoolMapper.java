package dev.corral.activities.store;

import dev.corral.activities.store.rows.GroupProvider;
import dev.corral.activities.store.rows.PoolSelector;
import dev.corral.activities.store.rows.PoolRow;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code pool}, {@code pool_alias} and {@code pool_provider}, in PoolMapper.xml. */
public interface PoolMapper {
  int upsert(PoolRow pool);

  int deactivateAllExcept(@Param("names") List<String> names, @Param("now") java.time.Instant now);

  PoolRow selectByName(@Param("name") String name);

  List<PoolRow> selectAll();

  /** The pool a name or alias stands for, or null. */
  String resolve(@Param("nameOrAlias") String nameOrAlias);

  List<String> aliases(@Param("pool") String pool);

  List<String> providers(@Param("pool") String pool);

  int deleteAllAliases();

  int insertAlias(@Param("alias") String alias, @Param("pool") String pool);

  int deleteProviders(@Param("pool") String pool);

  int insertProvider(@Param("pool") String pool, @Param("provider") String provider, @Param("position") int position);

  /** The pool's template selector (all null/false for a pool on a fixed template). */
  int setSelector(
      @Param("pool") String pool, @Param("group") String group, @Param("version") String version,
      @Param("prepared") boolean prepared);

  /** The pool's template selector, or null when the pool names a fixed template. */
  PoolSelector selector(@Param("pool") String pool);

  /** (group, provider) pairs for which some active pool wants prepared templates. */
  List<GroupProvider> wantPrepared();
}
