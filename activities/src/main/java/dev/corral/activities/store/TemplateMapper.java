package dev.corral.activities.store;

import java.time.Instant;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code template}, in TemplateMapper.xml. Pools name raw templates for now. */
public interface TemplateMapper {
  int ensure(@Param("provider") String provider, @Param("name") String name, @Param("now") Instant now);
}
