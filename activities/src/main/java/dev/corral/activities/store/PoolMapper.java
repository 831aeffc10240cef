package dev.corral.activities.store;

import dev.corral.activities.store.rows.GroupProvider;
import dev.corral.activities.store.rows.PoolRow;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code pool}, {@code pool_alias} and {@code pool_provider}, in PoolMapper.xml. */
public interface PoolMapper {
  int upsert(PoolRow pool);

  int deactivateAllExcept(@Param("names") List<String> names, @Param("now") java.time.Instant now);

  PoolRow selectByName(@Param("name") String name);

  List<PoolRow> selectAll();

  /** Sets (or with null clears) the API's size override; the config's size stays as it is. */
  int setSizeOverride(
      @Param("name") String name, @Param("size") Integer size, @Param("now") java.time.Instant now);

  /** Sets (or with null clears) the API's template override. */
  int setTemplateOverride(
      @Param("name") String name,
      @Param("template") String template,
      @Param("now") java.time.Instant now);

  /** The pool a name or alias stands for, or null. */
  String resolve(@Param("nameOrAlias") String nameOrAlias);

  List<String> aliases(@Param("pool") String pool);

  /**
   * The providers the pool clones on now, in its order of preference (a clone target narrows them).
   */
  List<String> providers(@Param("pool") String pool);

  /** The providers the config gives the pool, whatever the clone target. */
  List<String> configuredProviders(@Param("pool") String pool);

  /** The provider an API override makes the pool clone on, or null. */
  String cloneTargetOverride(@Param("pool") String pool);

  int setCloneTargetOverride(
      @Param("name") String name,
      @Param("provider") String provider,
      @Param("now") java.time.Instant now);

  int deleteAllAliases();

  int insertAlias(@Param("alias") String alias, @Param("pool") String pool);

  int deleteProviders(@Param("pool") String pool);

  int insertProvider(
      @Param("pool") String pool,
      @Param("provider") String provider,
      @Param("position") int position);

  /** (group, provider) pairs for which some active pool wants prepared templates. */
  List<GroupProvider> wantPrepared();
}
