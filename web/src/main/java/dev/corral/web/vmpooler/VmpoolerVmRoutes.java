package dev.corral.web.vmpooler;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmPorts;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.web.api.ApiException;
import dev.corral.web.api.Checkouts;
import dev.corral.web.api.LeaseTags;
import dev.corral.web.api.LeasedVms;
import dev.corral.web.api.RequestBodies;
import dev.corral.web.api.VmTaskService;
import dev.corral.web.auth.Caller;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * vmpooler API v3 checkout and per-VM routes ({@code POST vm[/a+b+b]}, {@code GET/PUT/DELETE
 * vm/<host>}, {@code POST vm/<host>/snapshot[/<id>]}, {@code POST vm/<host>/disk/<GB>}), with
 * vmpooler's shapes (vmpooler.md §3 rows 3–10). Each VM of a checkout gets its own lease, so its
 * lifetime, tags and release are its own, as in vmpooler; all of them are taken or none.
 */
public final class VmpoolerVmRoutes {
  static final String PREFIX = "/api/v3";

  /** vmpooler refuses bodies over 10 KB on checkout. */
  private static final int MAX_BODY = 10 * 1024;

  private static final Pattern NAME_SEPARATOR = Pattern.compile("[+ ]");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

  private final Checkouts checkouts;
  private final LeasedVms vms;
  private final VmTaskService tasks;
  private final RequestBodies bodies;
  private final Clock clock;

  public VmpoolerVmRoutes(
      Checkouts checkouts, LeasedVms vms, VmTaskService tasks, ObjectMapper json, Clock clock) {
    this.checkouts = checkouts;
    this.vms = vms;
    this.tasks = tasks;
    this.bodies = new RequestBodies(json);
    this.clock = clock;
  }

  /**
   * The body of a modify: hours from checkout (a number or a string of one) and tags. Any other
   * name is listed back as vmpooler does ({@code Unknown argument x.}), so it is collected rather
   * than refused on sight.
   */
  private record Modify(
      Object lifetime,
      @JsonPropertyDescription(LeaseTags.DESCRIPTION) Map<String, Object> tags,
      @JsonAnySetter Map<String, Object> others) {
    Modify {
      others = others == null ? Map.of() : others;
    }

    boolean isEmpty() {
      return lifetime == null && tags == null && others.isEmpty();
    }
  }

  public void register(Javalin app) {
    app.post(PREFIX + "/vm", this::checkoutByBody);
    app.post(
        PREFIX + "/vm/{names}",
        ctx -> ctx.json(checkout(RequestCaller.of(ctx), namesInPath(ctx.pathParam("names")))));
    app.get(PREFIX + "/vm/{host}", this::show);
    app.put(PREFIX + "/vm/{host}", this::modify);
    app.delete(
        PREFIX + "/vm/{host}",
        ctx -> {
          vms.release(RequestCaller.of(ctx), ctx.pathParam("host"));
          ctx.json(Map.of("ok", true));
        });
    // Queued tasks: 202, as vmpooler answers; GET vm/<host> lists the snapshots and disks once
    // done.
    app.post(
        PREFIX + "/vm/{host}/snapshot",
        ctx -> {
          VmTaskRow task = tasks.snapshot(RequestCaller.of(ctx), ctx.pathParam("host"));
          ctx.status(202).json(okFor(task.vm(), "snapshot", task.id()));
        });
    app.post(
        PREFIX + "/vm/{host}/snapshot/{id}",
        ctx -> {
          tasks.revert(RequestCaller.of(ctx), ctx.pathParam("host"), ctx.pathParam("id"));
          ctx.status(202).json(Map.of("ok", true));
        });
    app.post(
        PREFIX + "/vm/{host}/disk/{size}",
        ctx -> {
          int size = VmTaskService.diskSize(ctx.pathParam("size"));
          VmTaskRow task = tasks.addDisk(RequestCaller.of(ctx), ctx.pathParam("host"), size);
          ctx.status(202).json(okFor(task.vm(), "disk", disk(task.sizeGb())));
        });
  }

  /** {@code {"ok": true, "<vm>": {"<key>": value}}}. */
  private static Map<String, Object> okFor(String vm, String key, Object value) {
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("ok", true);
    reply.put(vm, Map.of(key, value));
    return reply;
  }

  /** vmpooler writes disks as {@code +8gb}. */
  private static String disk(int sizeGb) {
    return "+" + sizeGb + "gb";
  }

  /** {@code a+b+b}: one VM per name, repeated names add up. */
  private static Map<String, Integer> namesInPath(String spec) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String name : NAME_SEPARATOR.split(spec)) {
      if (!name.isEmpty()) {
        counts.merge(name, 1, Integer::sum);
      }
    }
    if (counts.isEmpty()) {
      throw ApiException.badRequest("no pool named in the path", Map.of());
    }
    return counts;
  }

  /** {@code {"pool": "count", …}}; a count may be a string or a number, as vmpooler accepts. */
  private void checkoutByBody(Context ctx) throws Exception {
    String text = ctx.body();
    if (text.length() > MAX_BODY) {
      throw ApiException.badRequest("the body is over 10 KB", Map.of());
    }
    if (text.isBlank()) {
      throw ApiException.notFound("unknown_pool", "no pool named: the body is empty", Map.of());
    }
    Map<String, Object> body = bodies.readFields(ctx, "{\"debian\": \"2\"}");
    if (body.isEmpty()) {
      throw ApiException.badRequest(
          "the body must be a JSON object of pool name to count, like {\"debian\": \"2\"}",
          Map.of());
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    body.forEach((pool, count) -> counts.put(pool, count(pool, count)));
    ctx.json(checkout(RequestCaller.of(ctx), counts));
  }

  private static int count(String pool, Object value) {
    Integer n = VmpoolerValues.wholeNumber(value);
    if (n == null || n < 1 || n > Checkouts.MAX_VMS_PER_POOL) {
      throw ApiException.badRequest(
          "the count for "
              + ApiException.clip(pool)
              + " must be a whole number from 1 to "
              + Checkouts.MAX_VMS_PER_POOL,
          Map.of("pool", ApiException.clip(pool)));
    }
    return n;
  }

  private Map<String, Object> checkout(Caller caller, Map<String, Integer> counts) {
    List<Checkouts.Resolved> resolved = checkouts.resolve(caller, counts.keySet());
    Duration lifetime =
        checkouts.lifetime(
            caller, resolved.stream().map(Checkouts.Resolved::config).toList(), null, "lifetime");
    Checkouts.Result result =
        checkouts.take(
            new Checkouts.Request(caller, counts, lifetime, null, LeaseRow.VMPOOLER, true),
            resolved);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("ok", true);
    result
        .byRequestedName()
        .forEach(
            (name, mine) -> {
              List<String> hosts = mine.stream().map(VmpoolerVmRoutes::fqdn).toList();
              // vmpooler's rule, which clients rely on: a string for one VM, an array for more.
              reply.put(name, Map.of("hostname", hosts.size() == 1 ? hosts.get(0) : hosts));
            });
    return reply;
  }

  private void show(Context ctx) {
    LeasedVms.Found found =
        vms.find(ctx.pathParam("host"))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "unknown_vm",
                        "no VM named " + ApiException.clip(ctx.pathParam("host")),
                        Map.of()));
    VmRow vm = found.vm();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("template", vm.pool());
    LeaseStore.Lease lease = VmStates.LEASED.equals(vm.state()) ? found.lease() : null;
    Instant now = clock.instant();
    if (lease != null) {
      LeaseRow row = lease.lease();
      Instant start = vm.leasedAt() == null ? row.createdAt() : vm.leasedAt();
      double lifetime = hours(Duration.between(row.createdAt(), row.expiresAt()));
      // Whole hours print as vmpooler's integer (48, not 48.0).
      data.put("lifetime", lifetime == Math.rint(lifetime) ? (Object) (long) lifetime : lifetime);
      data.put("running", hours(Duration.between(start, now)));
      data.put("remaining", Math.max(0.0, hours(Duration.between(now, row.expiresAt()))));
      data.put("start_time", TIME.format(start));
      data.put("end_time", TIME.format(row.expiresAt()));
      data.put("tags", JsonText.toMap(row.tags()));
      if (row.owner() != null) {
        data.put("user", row.owner());
      }
    } else {
      data.put("lifetime", 0);
      data.put("running", 0.0);
      data.put("remaining", 0.0);
      data.put("tags", Map.of());
    }
    data.put("state", state(vm.state()));
    VmTaskService.Done done = tasks.done(vm.name());
    data.put("snapshots", done.snapshots());
    data.put("disk", done.disksGb().stream().map(VmpoolerVmRoutes::disk).toList());
    data.put("ip", vm.ip() == null ? "" : vm.ip());
    Map<String, Integer> ports = VmPorts.decode(vm.ports());
    if (!ports.isEmpty()) {
      // Not in vmpooler's reply: a QEMU VM is reached through forwarded ports on the host's
      // loopback.
      data.put("ports", ports);
    }
    data.put("fqdn", fqdn(vm));
    data.put("pool", vm.pool());
    data.put("provider", vm.provider());
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("ok", true);
    reply.put(vm.name(), data);
    ctx.json(reply);
  }

  /**
   * {@code {"lifetime": "48"}} (hours from checkout) and/or {@code {"tags": {…}}}; nothing else.
   */
  private void modify(Context ctx) throws Exception {
    Modify body;
    try {
      body = bodies.read(ctx, Modify.class, "{\"lifetime\": \"48\"}");
    } catch (ApiException e) {
      throw failure(e.getMessage());
    }
    if (body.isEmpty()) {
      throw failure(
          "the body must be a JSON object with lifetime and/or tags, like {\"lifetime\": \"48\"}");
    }
    // In name order: Jackson collects the other names unordered.
    List<String> failures =
        new ArrayList<>(
            body.others().keySet().stream()
                .sorted()
                .map(name -> "Unknown argument " + ApiException.clip(name) + ".")
                .toList());
    Duration lifetime = null;
    if (body.lifetime() != null) {
      Integer hours = VmpoolerValues.wholeNumber(body.lifetime());
      if (hours == null || hours < 1) {
        failures.add("Lifetime must be a positive integer (hours).");
      } else {
        lifetime = Duration.ofHours(hours);
      }
    }
    if (!failures.isEmpty()) {
      throw new ApiException(
          400, "bad_request", String.join(" ", failures), Map.of("failure", failures));
    }
    try {
      vms.update(RequestCaller.of(ctx), ctx.pathParam("host"), lifetime, body.tags());
    } catch (ApiException e) {
      if (e.status() != 400) {
        throw e;
      }
      throw failure(e.getMessage());
    }
    ctx.json(Map.of("ok", true));
  }

  private static ApiException failure(String message) {
    return new ApiException(400, "bad_request", message, Map.of("failure", List.of(message)));
  }

  /** vmpooler's states: pending, ready, running, destroyed. */
  private static String state(String state) {
    return switch (state) {
      case VmStates.PROVISIONING -> "pending";
      case VmStates.READY -> "ready";
      case VmStates.LEASED -> "running";
      default -> "destroyed";
    };
  }

  static String fqdn(VmRow vm) {
    return vm.hostname() == null || vm.hostname().isBlank() ? vm.name() : vm.hostname();
  }

  private static double hours(Duration d) {
    return Math.round(d.toMillis() / 36_000.0) / 100.0;
  }
}
