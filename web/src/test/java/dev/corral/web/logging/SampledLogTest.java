package dev.corral.web.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A refusal that repeats thousands of times a minute is logged once when it starts and then once a
 * minute, each later line saying how many were left out; a kind of its own is logged at once.
 */
class SampledLogTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final AtomicLong nanos =
      new AtomicLong(-5_000_000_000L); // System.nanoTime() may well be negative
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger logger =
      (Logger) LoggerFactory.getLogger("test.sampled." + System.nanoTime());
  private final SampledLog sampled = new SampledLog(logger, Level.WARN, MINUTE, nanos::get);

  SampledLogTest() {
    lines.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    lines.start();
    logger.addAppender(lines);
    logger.setAdditive(false);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(lines);
  }

  @Test
  void theFirstOfEachKindIsLogged_theRestOfTheMinuteOnlyCounted() {
    for (int i = 0; i < 1000; i++) {
      sampled.log("pool_empty", "POST {} -> 503 pool_empty", "/v1/leases");
      nanos.addAndGet(MINUTE.toNanos() / 1001);
    }
    sampled.log("rate_limited", "POST {} -> 429 rate_limited", "/v1/leases");

    assertEquals(
        List.of(
            "WARN POST /v1/leases -> 503 pool_empty", "WARN POST /v1/leases -> 429 rate_limited"),
        logged());
  }

  @Test
  void aMinuteLater_oneLineSaysHowManyWereLeftOut_andTheCountStartsOver() {
    for (int i = 0; i < 1000; i++) {
      sampled.log("pool_empty", "POST {} -> 503 pool_empty", "/v1/leases");
    }
    nanos.addAndGet(MINUTE.toNanos());
    sampled.log("pool_empty", "POST {} -> 503 pool_empty", "/api/v3/vm/ci");
    sampled.log("pool_empty", "POST {} -> 503 pool_empty", "/api/v3/vm/ci");
    nanos.addAndGet(MINUTE.toNanos());
    sampled.log("pool_empty", "POST {} -> 503 pool_empty", "/v1/leases");

    assertEquals(
        List.of(
            "WARN POST /v1/leases -> 503 pool_empty",
            "WARN POST /api/v3/vm/ci -> 503 pool_empty (999 more like it since the last such line were not logged)",
            "WARN POST /v1/leases -> 503 pool_empty (1 more like it since the last such line were not logged)"),
        logged());
  }

  @Test
  void callersRacingForTheSameMinute_logOneLine_andEveryOtherCallIsCounted() throws Exception {
    int threads = 8;
    int calls = 10_000;
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < calls; i++) {
                  sampled.log("pool_empty", "refused");
                }
              });
      thread.start();
      running.add(thread);
    }
    for (Thread thread : running) {
      thread.join();
    }
    nanos.addAndGet(MINUTE.toNanos());
    sampled.log("pool_empty", "refused");

    assertEquals(
        List.of(
            "WARN refused",
            "WARN refused ("
                + (threads * calls - 1)
                + " more like it since the last such line were not logged)"),
        logged());
  }

  private List<String> logged() {
    return lines.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }
}
