package dev.corral.activities.provider.simulated;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import java.time.LocalDate;

/**
 * A catalogue entry, in memory and in the state file.
 *
 * @param halfMade left by a failed finish; only good for deleting
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record TemplateRecord(
    String name, String group, String version, LocalDate date, boolean prepared, boolean halfMade) {
  static TemplateRecord raw(SimulatedTemplate t) {
    return new TemplateRecord(t.name(), t.group(), t.version(), t.date(), false, false);
  }

  ProviderTemplate toProviderTemplate() {
    return new ProviderTemplate(name, group, version, date, prepared);
  }
}
