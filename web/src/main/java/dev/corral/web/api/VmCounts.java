package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code vms} of a lease body: pool name or alias to count, in the order written, each count
 * from 1 to {@link Checkouts#MAX_VMS_PER_POOL}. Counts are read as whole numbers of any size, so a
 * huge one is refused here, by its name, instead of by the JSON reader.
 */
public record VmCounts(Map<String, Integer> counts) {
  static final String DESCRIPTION = "a non-empty object of pool name or alias to count";

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static VmCounts of(Map<String, BigInteger> written) {
    if (written.isEmpty()) {
      throw RequestBodies.badValue("vms", DESCRIPTION);
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    written.forEach(
        (name, count) -> {
          if (count == null
              || count.signum() < 1
              || count.compareTo(BigInteger.valueOf(Checkouts.MAX_VMS_PER_POOL)) > 0) {
            String field = "vms." + ApiException.clip(name);
            throw ApiException.badRequest(
                field + " must be a whole number from 1 to " + Checkouts.MAX_VMS_PER_POOL,
                Map.of("field", field, "value", ApiException.clip(String.valueOf(count))));
          }
          counts.put(name, count.intValue());
        });
    return new VmCounts(Collections.unmodifiableMap(counts));
  }
}
