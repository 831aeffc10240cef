package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * {@code /v1/vms/{name}/snapshots} and {@code /disks}: tasks on a leased VM, answered 202 with the
 * queued task; {@code GET /v1/vms/{name}} shows how they went. Thin: parse, call the service, write
 * JSON.
 */
public final class VmTaskRoutes {
  private static final String SIZE_GB =
      "a whole number of GB from 1 to " + VmTaskService.MAX_DISK_GB;

  private final VmTaskService tasks;
  private final RequestBodies bodies;

  public VmTaskRoutes(VmTaskService tasks, ObjectMapper json) {
    this.tasks = tasks;
    this.bodies = new RequestBodies(json);
  }

  /** A new disk's size; the service checks the range. */
  private record Disk(@JsonPropertyDescription(SIZE_GB) Integer sizeGb) {
    Disk {
      RequestBodies.required(sizeGb, "size_gb", SIZE_GB);
    }
  }

  public void register(Javalin app) {
    app.post(
        "/v1/vms/{name}/snapshots",
        ctx -> accepted(ctx, tasks.snapshot(RequestCaller.of(ctx), ctx.pathParam("name"))));
    app.post(
        "/v1/vms/{name}/snapshots/{id}/revert",
        ctx ->
            accepted(
                ctx,
                tasks.revert(RequestCaller.of(ctx), ctx.pathParam("name"), ctx.pathParam("id"))));
    app.post("/v1/vms/{name}/disks", this::addDisk);
  }

  private static void accepted(Context ctx, VmTaskRow task) {
    ctx.status(202).json(VmTaskView.of(task));
  }

  /** {@code {"size_gb": 8}}: a whole number from 1 to 2048, and nothing else. */
  private void addDisk(Context ctx) throws Exception {
    Disk body = bodies.read(ctx, Disk.class, "{\"size_gb\": 8}");
    accepted(ctx, tasks.addDisk(RequestCaller.of(ctx), ctx.pathParam("name"), body.sizeGb()));
  }
}
