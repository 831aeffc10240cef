package dev.corral.web;

import dev.corral.activities.store.DatabaseAvailability;
import dev.corral.activities.store.DatabaseUnavailableException;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.embedded.MariaDbSupervisor;
import io.javalin.Javalin;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: the database and Temporal
 * answer too; with the embedded database, also whether it runs or is being started again, and how
 * often it was.
 */
final class Health {
  static final String LIVE = "/health/live";

  /** Also what docker/Dockerfile's HEALTHCHECK asks. */
  static final String READY = "/health/ready";

  private final Db db;
  private final WorkflowServiceStubs temporal;

  /** Null with an external database. */
  private final MariaDbSupervisor embedded;

  Health(Db db, WorkflowServiceStubs temporal, MariaDbSupervisor embedded) {
    this.db = db;
    this.temporal = temporal;
    this.embedded = embedded;
  }

  void register(Javalin app) {
    app.get(LIVE, ctx -> ctx.json(Map.of("status", "up")));
    app.get(
        READY,
        ctx -> {
          Map<String, String> checks = new LinkedHashMap<>();
          checks.put("database", databaseCheck());
          checks.put("temporal", check(() -> temporal.healthCheck()));
          boolean up = checks.values().stream().allMatch("up"::equals);
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("status", up ? "up" : "down");
          body.put("checks", checks);
          if (embedded != null) {
            body.put("embedded_database", embeddedStatus(embedded.status()));
          }
          ctx.status(up ? 200 : 503).json(body);
        });
  }

  /**
   * While an outage is known the answer is immediate; otherwise a real round trip through the pool.
   */
  private String databaseCheck() {
    DatabaseAvailability.Outage outage = db.availability().outage().orElse(null);
    if (outage != null) {
      return "down: " + outage.reason() + " (since " + outage.since() + ")";
    }
    return database();
  }

  private String database() {
    try {
      db.ping();
      return "up";
    } catch (DatabaseUnavailableException e) {
      return "down: " + e.getMessage();
    } catch (RuntimeException e) {
      return "down: " + e.getClass().getSimpleName();
    }
  }

  private static Map<String, Object> embeddedStatus(MariaDbSupervisor.Status status) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", status.up() ? "running" : "restarting");
    out.put("restarts", status.restarts());
    out.put("last_exit", status.lastExit());
    out.put("down_since", status.downSince());
    out.put("next_try_at", status.nextTryAt());
    return out;
  }

  private interface Check {
    void run() throws Exception;
  }

  /** A failed check says what failed, never a stack trace or a connection string. */
  private static String check(Check check) {
    try {
      check.run();
      return "up";
    } catch (Exception e) {
      return "down: " + e.getClass().getSimpleName();
    }
  }
}
