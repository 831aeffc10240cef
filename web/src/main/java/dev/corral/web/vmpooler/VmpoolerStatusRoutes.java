package dev.corral.web.vmpooler;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * vmpooler's read-only reports: {@code vm} (pool names), {@code status}, {@code poolstat}, {@code
 * totalrunning}, {@code summary}.
 */
public final class VmpoolerStatusRoutes implements VmpoolerRoutes.Part {
  private final VmpoolerStatus status;
  private final VmpoolerSummary summary;

  public VmpoolerStatusRoutes(VmpoolerStatus status, VmpoolerSummary summary) {
    this.status = status;
    this.summary = summary;
  }

  @Override
  public void register(Javalin app, String base) {
    app.get(base + "/vm", ctx -> ctx.json(status.poolNames()));
    app.get(base + "/status", ctx -> ctx.json(status.status(views(ctx))));
    app.get(
        base + "/poolstat", ctx -> ctx.json(status.poolstat(commaList(ctx.queryParam("pool")))));
    app.get(base + "/totalrunning", ctx -> ctx.json(status.totalRunning()));
    app.get(
        base + "/summary",
        ctx -> ctx.json(summary.summary(ctx.queryParam("from"), ctx.queryParam("to"))));
    app.get(base + "/summary/{route}", ctx -> part(ctx, null));
    app.get(base + "/summary/{route}/{key}", ctx -> part(ctx, ctx.pathParam("key")));
  }

  private void part(Context ctx, String key) {
    Map<String, Object> part =
        summary.part(ctx.pathParam("route"), key, ctx.queryParam("from"), ctx.queryParam("to"));
    if (part == null) {
      throw new VmpoolerErrors.Rejection(404, "no such summary: " + ctx.path(), Map.of());
    }
    ctx.json(part);
  }

  /**
   * {@code view=pools,queue}: those sections only (names that are not sections are ignored, as
   * vmpooler does).
   */
  private static Set<String> views(Context ctx) {
    String view = ctx.queryParam("view");
    if (view == null || view.isBlank()) {
      return Set.copyOf(VmpoolerStatus.VIEWS);
    }
    Set<String> asked = commaList(view);
    return VmpoolerStatus.VIEWS.stream().filter(asked::contains).collect(Collectors.toSet());
  }

  private static Set<String> commaList(String value) {
    if (value == null) {
      return Set.of();
    }
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
