package dev.corral.activities.store;

import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.TemplateGroupRow;
import dev.corral.activities.store.rows.TemplateRow;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code template} and {@code template_group}, in TemplateMapper.xml. */
public interface TemplateMapper {
  /** Records a fixed template a pool names, if not known yet. */
  int ensure(
      @Param("provider") String provider, @Param("name") String name, @Param("now") Instant now);

  /**
   * Inserts a discovered template or refreshes what its source says of it (group, version, date,
   * GA, usable). State is left alone here; the tracker changes it explicitly.
   */
  int upsertDiscovered(@Param("row") TemplateRow row);

  int insertPrepared(@Param("row") TemplateRow row);

  TemplateRow selectById(@Param("id") long id);

  /** Several templates in one query (in no particular order); {@code ids} not empty. */
  List<TemplateRow> selectByIds(@Param("ids") Collection<Long> ids);

  /** Locks the row, so that two starters of a build of the same source take turns. */
  TemplateRow selectByIdForUpdate(@Param("id") long id);

  TemplateRow selectByName(@Param("provider") String provider, @Param("name") String name);

  /** Those of {@code providers} (not empty) that hold a ready, usable template of this name. */
  List<String> providersHolding(
      @Param("name") String name, @Param("providers") List<String> providers);

  List<TemplateRow> list(
      @Param("group") String group,
      @Param("state") String state,
      @Param("provider") String provider,
      @Param("limit") int limit);

  /** Templates per group and state. */
  List<StateCount> countByGroup();

  int setState(
      @Param("id") long id,
      @Param("state") String state,
      @Param("reason") String reason,
      @Param("now") Instant now);

  int setUsable(@Param("id") long id, @Param("usable") boolean usable, @Param("now") Instant now);

  /** Prepared templates made from this raw one (any state). */
  List<TemplateRow> children(@Param("parentId") long parentId);

  /** Usable, ready templates of a group on the given providers, raw or prepared. */
  List<TemplateRow> usableOf(
      @Param("group") String group,
      @Param("prepared") boolean prepared,
      @Param("providers") List<String> providers);

  int upsertGroup(@Param("row") TemplateGroupRow row, @Param("now") Instant now);

  int deactivateGroupsExcept(@Param("names") List<String> names, @Param("now") Instant now);

  TemplateGroupRow selectGroup(@Param("name") String name);

  List<TemplateGroupRow> selectGroups();
}
