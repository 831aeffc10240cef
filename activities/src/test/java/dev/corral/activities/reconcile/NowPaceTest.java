package dev.corral.activities.reconcile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Only lower bounds or generous upper ones: a busy machine makes rests longer, never shorter. */
class NowPaceTest {
  @Test
  void aReconcileNow_restsThreeTimesAsLongAsItWorked() {
    NowPace pace = NowPace.forReconcileNow();
    busy(40);
    long rest = timed(pace::rest);
    assertTrue(rest >= 3 * 40 - 5, "rested " + rest + " ms after 40 ms of work");
  }

  @Test
  void timeAProviderCallSpentWaiting_isNotWork() {
    NowPace pace = NowPace.forReconcileNow();
    pace.provider(
        () -> {
          sleep(300);
          return null;
        });
    long rest = timed(pace::rest);
    assertTrue(
        rest < 300,
        "rested " + rest + " ms after a call that waited 300 ms; as work it would be 900");
  }

  @Test
  void aTickOfTheStaggeredLoop_neverRests() {
    busy(40);
    long rest = timed(NowPace.NONE::rest);
    assertTrue(rest < 40, "rested " + rest + " ms");
  }

  private static long timed(Runnable r) {
    long t = System.nanoTime();
    r.run();
    return (System.nanoTime() - t) / 1_000_000;
  }

  private static void busy(long ms) {
    long until = System.nanoTime() + ms * 1_000_000;
    long x = 0;
    while (System.nanoTime() < until) {
      x += x * 31 + 7;
    }
    if (x == 42) {
      System.out.println(x);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
