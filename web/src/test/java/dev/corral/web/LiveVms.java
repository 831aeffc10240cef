package dev.corral.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the end-state checks of the crash and fault tests compare: the database's live VMs and the
 * provider's.
 */
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

  /**
   * Waits until every pool has {@code size} ready VMs and none provisioning, and the provider runs
   * exactly the VMs the database knows (nothing leaked, nothing lost); fails with the last state
   * seen, under {@code what}.
   */
  static void awaitPoolsFullAndNoLeak(
      Http http, List<String> pools, int size, Duration within, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      JsonNode all = http.get("/v1/pools").body();
      Set<String> live = inDatabase(http, pools);
      Set<String> provider = onProvider(http);
      boolean full = true;
      for (String name : pools) {
        JsonNode p = Http.pool(all, name);
        full &= p.get("ready").asInt() == size && p.get("provisioning").asInt() == 0;
      }
      last = "pools " + all + "\ndatabase live " + live + "\nprovider " + provider;
      if (full && live.equals(provider)) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not settled within " + within + " (" + what + "):\n" + last);
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
