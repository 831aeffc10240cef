package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.Map;

/**
 * The body of {@code POST /v1/leases}: VMs by pool name or alias; optionally a lifetime, tags
 * (checked by {@link LeaseTags} once the pools are known) and a wait, which over zero makes it a
 * pending lease. (Java keeps the name {@code wait} for {@link Object#wait()}.)
 */
public record LeaseRequest(
    @JsonPropertyDescription(VmCounts.DESCRIPTION) VmCounts vms,
    Duration lifetime,
    @JsonPropertyDescription(LeaseTags.DESCRIPTION) Map<String, Object> tags,
    @JsonProperty("wait") Duration waitFor) {
  public static final String EXAMPLE = "{\"vms\": {\"pool\": 1}}";

  public LeaseRequest {
    RequestBodies.required(vms, "vms", VmCounts.DESCRIPTION);
  }
}
