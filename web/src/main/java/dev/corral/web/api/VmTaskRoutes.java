package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/vms/{name}/snapshots} and {@code /disks}: tasks on a leased VM, answered 202 with the queued
 * task; {@code GET /v1/vms/{name}} shows how they went. Thin: parse, call the service, write JSON.
 */
public final class VmTaskRoutes {
  private final VmTaskService tasks;
  private final ObjectMapper json;

  public VmTaskRoutes(VmTaskService tasks, ObjectMapper json) {
    this.tasks = tasks;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/vms/{name}/snapshots",
        ctx -> accepted(ctx, tasks.snapshot(RequestCaller.of(ctx), ctx.pathParam("name"))));
    app.post("/v1/vms/{name}/snapshots/{id}/revert",
        ctx -> accepted(ctx, tasks.revert(RequestCaller.of(ctx), ctx.pathParam("name"), ctx.pathParam("id"))));
    app.post("/v1/vms/{name}/disks", this::addDisk);
  }

  private static void accepted(Context ctx, VmTaskRow task) {
    ctx.status(202).json(VmTaskView.of(task));
  }

  /** {@code {"size_gb": 8}}: a whole number from 1 to 2048, and nothing else. */
  private void addDisk(Context ctx) throws Exception {
    JsonNode body = ctx.body().isBlank() ? null : json.readTree(ctx.body());
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object like {\"size_gb\": 8}", Map.of("field", "size_gb"));
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("size_gb")) {
        throw ApiException.badRequest("unknown field '" + ApiException.clip(field) + "'",
            Map.of("field", ApiException.clip(field), "allowed", List.of("size_gb")));
      }
    }
    JsonNode size = body.get("size_gb");
    if (size == null || !size.isIntegralNumber() || !size.canConvertToInt()) {
      throw ApiException.badRequest("size_gb must be a whole number of GB from 1 to " + VmTaskService.MAX_DISK_GB,
          Map.of("field", "size_gb", "maximum", VmTaskService.MAX_DISK_GB));
    }
    accepted(ctx, tasks.addDisk(RequestCaller.of(ctx), ctx.pathParam("name"), size.asInt()));
  }
}
