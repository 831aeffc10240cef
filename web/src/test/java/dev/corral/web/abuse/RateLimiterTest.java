package dev.corral.web.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.config.ServerConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(-5_000_000_000L); // nanoTime may be negative
  private final RateLimiter.Buckets buckets =
      new RateLimiter.Buckets(
          new ServerConfig.Rate(10, Duration.ofSeconds(1)), "per_token", now::get);

  @Test
  void aFullBucket_allowsABurstOfItsSize_thenSaysHowLongToWait() {
    for (int i = 0; i < 10; i++) {
      assertEquals(0, buckets.tryTake("alice"), "request " + i + " of the burst");
    }
    long wait = buckets.tryTake("alice");
    assertEquals(100_000_000L, wait, "one request comes back every 1 s / 10");
    assertEquals(0, buckets.tryTake("bob"), "each caller has their own bucket");
  }

  @Test
  void aBucketRefills_atTheConfiguredRate_andNeverAboveItsSize() {
    for (int i = 0; i < 10; i++) {
      buckets.tryTake("alice");
    }
    now.addAndGet(250_000_000L);
    assertEquals(0, buckets.tryTake("alice"));
    assertEquals(0, buckets.tryTake("alice"));
    assertTrue(
        buckets.tryTake("alice") > 0,
        "a quarter second gives back two and a half requests, not three");

    now.addAndGet(60_000_000_000L);
    for (int i = 0; i < 10; i++) {
      assertEquals(0, buckets.tryTake("alice"));
    }
    assertTrue(
        buckets.tryTake("alice") > 0, "a long idle time still refills only to the burst size");
  }

  @Test
  void refusedRequests_doNotCount() {
    for (int i = 0; i < 20; i++) {
      buckets.tryTake("alice");
    }
    now.addAndGet(100_000_000L);
    assertEquals(
        0,
        buckets.tryTake("alice"),
        "hammering while throttled does not push the wait further out");
  }
}
