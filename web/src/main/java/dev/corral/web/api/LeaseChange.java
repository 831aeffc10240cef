package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.Map;

/**
 * The body of {@code PATCH /v1/leases/{id}}: a new lifetime (counted from the lease's start) and/or
 * tags to add; either may be left out.
 */
public record LeaseChange(
    Duration lifetime, @JsonPropertyDescription(LeaseTags.DESCRIPTION) Map<String, Object> tags) {
  public static final String EXAMPLE = "{\"lifetime\": \"4h\"}";
}
