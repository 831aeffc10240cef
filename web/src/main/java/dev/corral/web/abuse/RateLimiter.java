package dev.corral.web.abuse;

import dev.corral.config.CorralConfig;
import dev.corral.config.Reloadable;
import dev.corral.config.ServerConfig;
import dev.corral.web.api.ApiException;
import dev.corral.web.auth.Caller;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * {@code rate_limits}: token buckets per client address and per identified user. Each bucket is one
 * {@link AtomicLong} (GCRA: the time at which the bucket would be full again), found in a {@link
 * ConcurrentHashMap}, so the hot lease path pays a map lookup and a compare-and-set, never a lock.
 * Over the limit a request gets 429 with {@code Retry-After} (whole seconds) and the usual JSON
 * error body.
 */
public final class RateLimiter implements Reloadable {
  /** Buckets that have refilled are forgotten once the map is this big, at most once a second. */
  private static final int SWEEP_ABOVE = 10_000;

  /**
   * The limits in force and their buckets; a reload that changes the limits starts with fresh
   * buckets.
   */
  private record Active(
      ServerConfig.RateLimits limits, Buckets perAddress, Buckets perUser, Set<String> exempt) {}

  private final LongSupplier nanoClock;
  private volatile Active active;

  public RateLimiter(ServerConfig.RateLimits limits) {
    this(limits, System::nanoTime);
  }

  RateLimiter(ServerConfig.RateLimits limits, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.active = activate(limits);
  }

  @Override
  public void reload(CorralConfig config) {
    if (!active.limits().equals(config.server().rateLimits())) {
      active = activate(config.server().rateLimits());
    }
  }

  private Active activate(ServerConfig.RateLimits limits) {
    Set<String> normalized = new HashSet<>();
    for (String address : limits.exemptAddresses()) {
      normalized.add(normalize(address));
    }
    return new Active(
        limits,
        limits.perAddress() == null
            ? null
            : new Buckets(limits.perAddress(), "per_address", nanoClock),
        limits.perToken() == null ? null : new Buckets(limits.perToken(), "per_token", nanoClock),
        Set.copyOf(normalized));
  }

  /**
   * Before authentication: counts every request of an address, so password guessing is throttled
   * too. Always registered, so a reload can turn limits on; off, a request pays one volatile read.
   */
  public void registerPerAddress(Javalin app) {
    app.before(
        ctx -> {
          Active a = active;
          if (a.perAddress() != null) {
            String address = ctx.req().getRemoteAddr();
            if (a.exempt().isEmpty() || !a.exempt().contains(normalize(address))) {
              a.perAddress().take(ctx, address);
            }
          }
        });
  }

  /** After authentication: counts an identified user's requests over all their tokens. */
  public void registerPerUser(Javalin app) {
    app.before(
        ctx -> {
          Active a = active;
          if (a.perUser() != null) {
            Caller caller = RequestCaller.of(ctx);
            if (caller.user() != null
                && (a.exempt().isEmpty()
                    || !a.exempt().contains(normalize(ctx.req().getRemoteAddr())))) {
              a.perUser().take(ctx, caller.user());
            }
          }
        });
  }

  private static String normalize(String address) {
    String a =
        address.startsWith("[") && address.endsWith("]")
            ? address.substring(1, address.length() - 1)
            : address;
    if (!a.matches("[0-9A-Fa-f:.%a-z]+")) {
      return a;
    }
    try {
      return InetAddress.getByName(a).getHostAddress(); // a literal: no name lookup happens
    } catch (UnknownHostException e) {
      return a;
    }
  }

  /** Rate-limit buckets of one kind, keyed by address or user name. */
  static final class Buckets {
    private final ConcurrentHashMap<String, AtomicLong> full = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep;
    private final long intervalNanos;
    private final long windowNanos;
    private final ServerConfig.Rate rate;
    private final String key;
    private final LongSupplier clock;

    Buckets(ServerConfig.Rate rate, String key, LongSupplier clock) {
      this.rate = rate;
      this.key = key;
      this.clock = clock;
      this.lastSweep = new AtomicLong(clock.getAsLong());
      this.windowNanos = rate.per().toNanos();
      this.intervalNanos = Math.max(1, windowNanos / rate.requests());
    }

    void take(Context ctx, String who) {
      long waitNanos = tryTake(who);
      if (waitNanos > 0) {
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        ctx.header("Retry-After", Long.toString(seconds));
        throw new ApiException(
            429,
            "rate_limited",
            "too many requests: the limit is "
                + rate.requests()
                + " per "
                + rate.per().toMillis()
                + " ms (rate_limits."
                + key
                + "); retry after "
                + seconds
                + " s",
            Map.of(
                "limit",
                key,
                "requests",
                rate.requests(),
                "per_ms",
                rate.per().toMillis(),
                "retry_after_s",
                seconds));
      }
    }

    /** 0 if a request may go now (and counts it), else how long until one may. */
    long tryTake(String who) {
      long now = clock.getAsLong();
      AtomicLong bucket = full.get(who);
      if (bucket == null) {
        sweep(now);
        bucket = full.computeIfAbsent(who, w -> new AtomicLong(now));
      }
      while (true) {
        long fullAt = bucket.get();
        long next = Math.max(fullAt, now) + intervalNanos;
        long ahead = next - now - windowNanos;
        if (ahead > 0) {
          return ahead;
        }
        if (bucket.compareAndSet(fullAt, next)) {
          return 0;
        }
      }
    }

    private void sweep(long now) {
      long last = lastSweep.get();
      if (full.size() > SWEEP_ABOVE
          && now - last > 1_000_000_000L
          && lastSweep.compareAndSet(last, now)) {
        full.values().removeIf(b -> b.get() - now <= 0);
      }
    }

    int size() {
      return full.size();
    }
  }
}
