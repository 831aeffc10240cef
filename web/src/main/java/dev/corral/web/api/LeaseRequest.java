package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.Map;

/**
 * The body of {@code POST /v1/leases}: VMs by pool name or alias, or {@code count} VMs of a build
 * ({@code template}, a {@link TemplatePick}); optionally a lifetime, tags (checked by {@link
 * LeaseTags} once the pools are known) and a wait, which over zero makes it a pending lease. (Java
 * keeps the name {@code wait} for {@link Object#wait()}.)
 */
public record LeaseRequest(
    @JsonPropertyDescription(VmCounts.DESCRIPTION) VmCounts vms,
    @JsonPropertyDescription(TemplatePick.DESCRIPTION) TemplatePick template,
    Integer count,
    Duration lifetime,
    @JsonPropertyDescription(LeaseTags.DESCRIPTION) Map<String, Object> tags,
    @JsonProperty("wait") Duration waitFor) {
  public static final String EXAMPLE = "{\"vms\": {\"pool\": 1}}";

  public LeaseRequest {
    if (template == null) {
      RequestBodies.required(vms, "vms", VmCounts.DESCRIPTION + ", or a template");
      if (count != null) {
        throw ApiException.badRequest(
            "count goes with template; with vms, give each pool its count",
            Map.of("field", "count"));
      }
    } else if (vms != null) {
      throw ApiException.badRequest(
          "give either vms (by pool) or template (by build), not both",
          Map.of("fields", java.util.List.of("vms", "template")));
    } else if (count != null && (count < 1 || count > Checkouts.MAX_VMS_PER_POOL)) {
      throw RequestBodies.badValue(
          "count", "a whole number from 1 to " + Checkouts.MAX_VMS_PER_POOL);
    }
  }

  /** The VMs of a lease by template: 1 unless {@code count} says otherwise. */
  int countOrOne() {
    return count == null ? 1 : count;
  }
}
