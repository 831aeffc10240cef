package dev.corral.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What the end-state checks of the crash and fault tests compare: the database's live VMs and the provider's. */
final class LiveVms {
  private LiveVms() {}

  /** VMs the database believes exist on the provider: every state but destroyed and failed. */
  static Set<String> inDatabase(Http http, List<String> pools) {
    Set<String> live = new TreeSet<>();
    for (String pool : pools) {
      for (JsonNode vm : http.get("/v1/vms?pool=" + pool + "&limit=10000").body()) {
        String state = vm.get("state").asText();
        if (!state.equals("destroyed") && !state.equals("failed")) {
          live.add(vm.get("name").asText());
        }
      }
    }
    return live;
  }

  /** The VMs the simulated provider {@code sim} really runs. */
  static Set<String> onProvider(Http http) {
    Set<String> names = new TreeSet<>();
    for (JsonNode vm : http.get("/v1/providers/sim/inventory").body().get("vms")) {
      names.add(vm.get("name").asText());
    }
    return names;
  }
}
