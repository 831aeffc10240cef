package dev.corral.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stream of template builds, such as {@code debian-12}.
 *
 * @param obsoleteDays builds dated longer ago than this are ignored when discovered and may be
 *     deleted
 * @param keepPrepared how many prepared templates of this group to keep per provider; older ones
 *     are deleted once no VM uses them
 * @param configure handed to the preparation chain's configure step (key/values, or a {@code
 *     script})
 */
public record TemplateGroupConfig(
    String name, int obsoleteDays, int keepPrepared, Map<String, String> configure) {
  public static final int DEFAULT_OBSOLETE_DAYS = 30;
  public static final int DEFAULT_KEEP_PREPARED = 2;

  public TemplateGroupConfig {
    configure = Collections.unmodifiableMap(new LinkedHashMap<>(configure));
  }
}
