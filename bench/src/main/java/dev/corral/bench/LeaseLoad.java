package dev.corral.bench;

import dev.corral.activities.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;

/**
 * The lease load ClaimBench and ReconcileBench share: client threads that send lease requests back
 * to back and log what they saw, and a recycler that puts leased VMs back to ready (a steady stream
 * of releases without going through destroy and re-provisioning), recording which lease each VM
 * held for the double-lease check.
 */
final class LeaseLoad {
  private LeaseLoad() {}

  /** What one client thread saw: per request its end time, latency and status; the 201 bodies. */
  static final class ClientLog {
    long[] endNanos = new long[1 << 14];
    long[] latencyNanos = new long[1 << 14];
    int[] status = new int[1 << 14];
    int n;
    final List<String> leaseBodies = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    void add(long end, long latency, int code) {
      if (n == endNanos.length) {
        endNanos = Arrays.copyOf(endNanos, n * 2);
        latencyNanos = Arrays.copyOf(latencyNanos, n * 2);
        status = Arrays.copyOf(status, n * 2);
      }
      endNanos[n] = end;
      latencyNanos[n] = latency;
      status[n] = code;
      n++;
    }
  }

  /** One lease request: over HTTP, or (analysis) straight into the store. */
  interface Call {
    BenchSupport.Response call() throws Exception;
  }

  /**
   * Sends requests back to back from when {@code go} opens until {@code end} (System.nanoTime) says
   * stop.
   */
  static void client(Call request, ClientLog log, CountDownLatch go, LongSupplier end) {
    try {
      go.await();
    } catch (InterruptedException e) {
      return;
    }
    while (true) {
      long s = System.nanoTime();
      if (s >= end.getAsLong()) {
        return;
      }
      int code;
      String body;
      try {
        BenchSupport.Response r = request.call();
        code = r.status();
        body = r.body();
      } catch (Exception e) {
        code = -1;
        body = e.toString();
      }
      long e = System.nanoTime();
      log.add(e, e - s, code);
      if (code == 201) {
        log.leaseBodies.add(body);
      } else if (code != 503 && log.errors.size() < 5) {
        log.errors.add(code + " " + body);
      }
    }
  }

  /**
   * Puts leased VMs back to ready every {@code everyMs} (~10 ms). Before each recycle it reads,
   * under lock, the (vm, lease) pairs it is about to recycle: an "epoch" ends there. Each such pair
   * is recorded exactly once, so a VM handed to two leases between two recycles shows up as a 201
   * whose pair was never recycled.
   */
  static final class Recycler implements Runnable {
    private final Db db;
    private final String pool;
    private final long everyMs;
    private final String label;
    private volatile boolean running = true;
    final Set<String> recycledPairs = new HashSet<>();
    final Map<String, Integer> recycledPerVm = new HashMap<>();
    long recycledRows;
    long epochs;
    long retries;
    long maxRecycleNanos;
    long totalRecycleNanos;
    int maxBatch;

    Recycler(Db db, String pool, long everyMs, String label) {
      this.db = db;
      this.pool = pool;
      this.everyMs = everyMs;
      this.label = label;
    }

    void stop() {
      running = false;
    }

    @Override
    public void run() {
      while (running) {
        long s = System.nanoTime();
        try {
          recycleOnce();
        } catch (Exception e) {
          System.out.println("[" + label + "] recycler error: " + e);
        }
        long took = System.nanoTime() - s;
        totalRecycleNanos += took;
        maxRecycleNanos = Math.max(maxRecycleNanos, took);
        try {
          Thread.sleep(Math.max(1, everyMs - took / 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    synchronized void recycleOnce() throws SQLException {
      for (int attempt = 1; ; attempt++) {
        try (Connection c = db.dataSource().getConnection()) {
          try {
            List<Long> ids = new ArrayList<>();
            List<String> pairs = new ArrayList<>();
            try (PreparedStatement q =
                c.prepareStatement(
                    "SELECT id, name, lease_id FROM vm WHERE pool = ? AND state = 'leased' FOR UPDATE SKIP LOCKED")) {
              q.setString(1, pool);
              try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                  ids.add(rs.getLong(1));
                  pairs.add(rs.getString(2) + " " + rs.getString(3));
                }
              }
            }
            if (!ids.isEmpty()) {
              StringJoiner in = new StringJoiner(",", "(", ")");
              ids.forEach(id -> in.add(Long.toString(id)));
              try (PreparedStatement u =
                  c.prepareStatement(
                      "UPDATE vm SET state = 'ready', lease_id = NULL, leased_at = NULL, ready_at = ?, updated_at = ? "
                          + "WHERE state = 'leased' AND id IN "
                          + in)) {
                Timestamp now = Timestamp.from(Instant.now());
                u.setTimestamp(1, now);
                u.setTimestamp(2, now);
                int changed = u.executeUpdate();
                if (changed != ids.size()) {
                  throw new IllegalStateException(
                      "recycled " + changed + " rows of " + ids.size() + " locked");
                }
              }
            }
            c.commit();
            for (String p : pairs) {
              if (!recycledPairs.add(p)) {
                throw new IllegalStateException("pair recycled twice: " + p);
              }
              recycledPerVm.merge(p.substring(0, p.indexOf(' ')), 1, Integer::sum);
            }
            recycledRows += ids.size();
            maxBatch = Math.max(maxBatch, ids.size());
            epochs++;
            return;
          } catch (SQLException e) {
            c.rollback();
            boolean retryable = e.getErrorCode() == 1213 || e.getErrorCode() == 1205;
            if (!retryable || attempt >= 10) {
              throw e;
            }
            retries++;
          }
        }
      }
    }
  }
}
