package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pool whose VMs keep failing waits longer and longer before cloning again, then recovers. */
class BrokenTemplateBackoffTest {
  private CorralHarness corral;

  @AfterEach
  void closeHarness() {
    if (corral != null) {
      corral.close();
    }
  }

  @Test
  void failingVms_backOffExponentially_thenThePoolRecovers() {
    corral = CorralHarness.start(new CorralHarness.Options().clockOfTestEnvironment());
    for (int i = 0; i < 4; i++) {
      corral.provider.controls().failNext(Operation.BOOT, "template is broken");
    }
    corral.applyConfig(pool("broken", 1, 1));
    corral.startShepherd("broken");

    // Skipped time moves in 2 s steps so the shepherd's back-off timers can fire.
    for (int step = 0; step < 200 && !corral.settled("broken", 1); step++) {
      corral.env.sleep(Duration.ofSeconds(2));
    }
    assertTrue(corral.settled("broken", 1), corral.describe("broken"));

    List<VmRow> failed =
        corral.rows("broken", VmStates.FAILED).stream()
            .sorted(Comparator.comparing(VmRow::endedAt))
            .toList();
    assertEquals(4, failed.size(), "each VM had one try and failed: " + corral.describe("broken"));
    // Waits after the 1st, 2nd and 3rd failure: 5 s, 10 s, 20 s; the 4th is followed by 40 s.
    long[] minimumGapsSeconds = {5, 10, 20};
    for (int i = 0; i < minimumGapsSeconds.length; i++) {
      Duration gap = Duration.between(failed.get(i).endedAt(), failed.get(i + 1).createdAt());
      assertTrue(
          gap.toSeconds() >= minimumGapsSeconds[i],
          "clone "
              + (i + 2)
              + " started "
              + gap
              + " after failure "
              + (i + 1)
              + "; expected at least "
              + minimumGapsSeconds[i]
              + " s\n"
              + corral.describe("broken"));
    }
    Instant readyAt = corral.rows("broken", VmStates.READY).get(0).readyAt();
    assertTrue(
        Duration.between(failed.get(3).endedAt(), readyAt).toSeconds() >= 40,
        "the pool waited 40 s after the 4th failure before the clone that worked");
  }
}
