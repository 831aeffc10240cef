package dev.corral.activities.store;

import dev.corral.activities.store.rows.TemplateCount;
import dev.corral.activities.store.rows.VmRow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ibatis.annotations.Param;

/** VMs seen through the templates they were cloned from, in VmTemplateMapper.xml. */
public interface VmTemplateMapper {
  /** Ready and provisioning VMs of a pool, counted per state, provider and template. */
  List<TemplateCount> countByTemplate(@Param("pool") String pool);

  /**
   * Names of the pool's ready VMs, oldest first, that were ({@code onCurrent}) or were not cloned
   * from the pool's current templates ({@code current}: provider → template), never one of the
   * {@code kept} templates.
   */
  List<String> readyNames(
      @Param("pool") String pool,
      @Param("current") Map<String, String> current,
      @Param("onCurrent") boolean onCurrent,
      @Param("kept") Set<String> kept,
      @Param("limit") int limit);

  /** Ready VMs of the pool whose template was marked unusable or deleted: they go at once. */
  List<String> readyOnUnusableTemplates(@Param("pool") String pool);

  /** Live VMs made from this template on its provider: what keeps it from being deleted. */
  List<VmRow> liveVmsOf(@Param("provider") String provider, @Param("name") String name);
}
