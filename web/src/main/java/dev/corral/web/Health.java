package dev.corral.web;

import dev.corral.activities.store.Db;
import io.javalin.Javalin;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /health/live}: the process answers. {@code /health/ready}: the database and Temporal answer too. */
final class Health {
  static final String LIVE = "/health/live";
  /** Also what docker/Dockerfile's HEALTHCHECK asks. */
  static final String READY = "/health/ready";
  private final Db db;
  private final WorkflowServiceStubs temporal;

  Health(Db db, WorkflowServiceStubs temporal) {
    this.db = db;
    this.temporal = temporal;
  }

  void register(Javalin app) {
    app.get(LIVE, ctx -> ctx.json(Map.of("status", "up")));
    app.get(READY, ctx -> {
      Map<String, String> checks = new LinkedHashMap<>();
      checks.put("database", check(this::database));
      checks.put("temporal", check(() -> temporal.healthCheck()));
      boolean up = checks.values().stream().allMatch("up"::equals);
      ctx.status(up ? 200 : 503).json(Map.of("status", up ? "up" : "down", "checks", checks));
    });
  }

  private void database() throws Exception {
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.setQueryTimeout(2);
      s.execute("SELECT 1");
      c.rollback();
    }
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
