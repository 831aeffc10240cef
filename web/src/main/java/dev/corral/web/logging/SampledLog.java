package dev.corral.web.logging;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A log line for what can happen thousands of times a minute (clients polling an empty pool once
 * wrote 17,868 WARN lines in 12 minutes): the first of each kind is logged, then at most one per
 * {@code every} per kind, and that one says how many like it were left out since the previous one.
 * Counting every one is a metric's job; the log only has to show that it happens and what it looks
 * like.
 *
 * <p>Kinds must come from a small fixed set (codes, never client text): each one keeps an entry for
 * good. Lock free, so the refusal path under load pays a map lookup and a clock read.
 */
public final class SampledLog {
  private final Logger log;
  private final Level level;
  private final long everyNanos;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Kind> kinds = new ConcurrentHashMap<>();

  /**
   * One kind's state: when its next line may be logged, and how many were left out since its last
   * one.
   */
  private static final class Kind {
    final AtomicLong nextAt;
    final LongAdder leftOut = new LongAdder();

    Kind(long now) {
      nextAt = new AtomicLong(now);
    }
  }

  public SampledLog(Logger log, Level level, Duration every) {
    this(log, level, every, System::nanoTime);
  }

  SampledLog(Logger log, Level level, Duration every, LongSupplier nanoClock) {
    this.log = log;
    this.level = level;
    this.everyNanos = every.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Logs {@code format} with {@code args} (SLF4J's {@code {}} placeholders; no exception) unless a
   * line of this kind was logged less than {@code every} ago; then only counts it for the next line
   * of the kind.
   */
  public void log(String kind, String format, Object... args) {
    long now = nanoClock.getAsLong();
    Kind k = kinds.get(kind);
    if (k == null) {
      k = kinds.computeIfAbsent(kind, name -> new Kind(now));
    }
    long next = k.nextAt.get();
    // One caller wins the slot; the others racing it count as left out, like the ones before.
    if (now - next < 0 || !k.nextAt.compareAndSet(next, now + everyNanos)) {
      k.leftOut.increment();
      return;
    }
    long leftOut = k.leftOut.sumThenReset();
    if (leftOut == 0) {
      log.atLevel(level).log(format, args);
    } else {
      Object[] withCount = Arrays.copyOf(args, args.length + 1);
      withCount[args.length] = leftOut;
      log.atLevel(level)
          .log(format + " ({} more like it since the last such line were not logged)", withCount);
    }
  }
}
