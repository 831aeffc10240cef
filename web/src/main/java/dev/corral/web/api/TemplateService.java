package dev.corral.web.api;

// Over 400 lines: the template API's reads and its few actions (build, retry, cancel, delete) share
// the
// lookups and the refusal texts users see, which splitting would repeat.

import dev.corral.activities.ProviderCalls;
import dev.corral.activities.build.BuildRefusedException;
import dev.corral.activities.build.BuildStarter;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.PendingLeaseMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.VmTemplateMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.temporal.Tracker;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.ibatis.session.SqlSession;

/**
 * Template groups, templates and builds for the API: views, and the few actions users take on them.
 */
public final class TemplateService {
  static final List<String> TEMPLATE_STATES =
      List.of(
          TemplateRow.DISCOVERED,
          TemplateRow.PREPARING,
          TemplateRow.READY,
          TemplateRow.FAILED,
          TemplateRow.UNUSABLE,
          TemplateRow.OBSOLETE,
          TemplateRow.DELETED);
  static final List<String> BUILD_STATES =
      List.of(
          BuildRow.QUEUED,
          BuildRow.RUNNING,
          BuildRow.SUCCEEDED,
          BuildRow.FAILED,
          BuildRow.CANCELLED);
  private static final int LIST_LIMIT = 1000;

  public record GroupView(
      String name,
      int obsoleteDays,
      int keepPrepared,
      Map<String, String> configure,
      boolean active,
      Map<String, Integer> templates) {}

  public record TemplateView(
      long id,
      String name,
      String provider,
      String group,
      String version,
      LocalDate date,
      boolean ga,
      boolean usable,
      boolean prepared,
      String state,
      String stateReason,
      Long parentId,
      Long buildId,
      String origin,
      Instant createdAt,
      Instant updatedAt) {
    static TemplateView of(TemplateRow t) {
      return new TemplateView(
          t.id(),
          t.name(),
          t.provider(),
          t.templateGroup(),
          t.version(),
          t.buildDate(),
          t.ga(),
          t.usable(),
          t.prepared(),
          t.state(),
          t.stateReason(),
          t.parentId(),
          t.buildId(),
          t.origin(),
          t.createdAt(),
          t.updatedAt());
    }
  }

  public record StepView(
      String name, String state, int attempts, Instant startedAt, Instant endedAt, String error) {}

  public record BuildView(
      long id,
      String group,
      String sourceTemplate,
      Long sourceTemplateId,
      String provider,
      String state,
      String step,
      String error,
      List<StepView> steps,
      String workflowId,
      String workflowUrl,
      String resultTemplate,
      Long resultTemplateId,
      Long retryOf,
      Instant createdAt,
      Instant startedAt,
      Instant endedAt) {}

  private final Db db;
  private final BuildStarter builds;
  private final Tracker tracker;
  private final WorkflowClient client;
  private final ProviderRegistry providers;
  private final Clock clock;
  private final String temporalUiUrl;
  private final String namespace;

  public TemplateService(
      Db db,
      BuildStarter builds,
      Tracker tracker,
      WorkflowClient client,
      ProviderRegistry providers,
      Clock clock,
      String temporalUiUrl,
      String namespace) {
    this.db = db;
    this.builds = builds;
    this.tracker = tracker;
    this.client = client;
    this.providers = providers;
    this.clock = clock;
    this.temporalUiUrl = temporalUiUrl;
    this.namespace = namespace;
  }

  public List<GroupView> groups() {
    return db.inTransaction(
        session -> {
          TemplateMapper templates = session.getMapper(TemplateMapper.class);
          Map<String, Map<String, Integer>> counts = new HashMap<>();
          templates
              .countByGroup()
              .forEach(
                  c ->
                      counts
                          .computeIfAbsent(c.groupName(), g -> new TreeMap<>())
                          .put(c.state(), c.count()));
          return templates.selectGroups().stream()
              .map(
                  g ->
                      new GroupView(
                          g.name(),
                          g.obsoleteDays(),
                          g.keepPrepared(),
                          JsonText.toMap(g.configure()),
                          g.active(),
                          counts.getOrDefault(g.name(), Map.of())))
              .toList();
        });
  }

  public List<TemplateView> templates(String group, String state) {
    oneOf("state", state, TEMPLATE_STATES);
    return db
        .inTransaction(s -> s.getMapper(TemplateMapper.class).list(group, state, null, LIST_LIMIT))
        .stream()
        .map(TemplateView::of)
        .toList();
  }

  public TemplateView template(long id) {
    return TemplateView.of(findTemplate(id));
  }

  /**
   * Deletes a template from its provider and marks it deleted, unless a live VM, a lease, an
   * unfinished build or a lease waiting for VMs of it still uses it (409 naming them).
   */
  public TemplateView deleteTemplate(long id) {
    TemplateRow template = findTemplate(id);
    if (TemplateRow.DELETED.equals(template.state())) {
      return TemplateView.of(template);
    }
    List<VmRow> vms =
        db.inTransaction(
            s ->
                s.getMapper(VmTemplateMapper.class)
                    .liveVmsOf(template.provider(), template.name()));
    List<Long> activeBuilds =
        db.inTransaction(s -> s.getMapper(BuildMapper.class).bySource(id)).stream()
            .filter(b -> !b.ended())
            .map(BuildRow::id)
            .toList();
    List<String> waiting =
        db.inTransaction(
            s ->
                s.getMapper(PendingLeaseMapper.class)
                    .waitingFor(template.name(), template.provider(), clock.instant()));
    if (!vms.isEmpty()
        || !activeBuilds.isEmpty()
        || !waiting.isEmpty()
        || TemplateRow.PREPARING.equals(template.state())) {
      throw new ApiException(
          409,
          "template_in_use",
          "template "
              + id
              + " ("
              + template.name()
              + ") is in use: "
              + vms.size()
              + " VM(s), "
              + vms.stream().filter(v -> v.leaseId() != null).count()
              + " leased, "
              + activeBuilds.size()
              + " unfinished build(s), "
              + waiting.size()
              + " lease(s) waiting for VMs of it"
              + (TemplateRow.PREPARING.equals(template.state()) ? ", still being prepared" : ""),
          Map.of(
              "vms",
              vms.stream().map(VmRow::name).toList(),
              "leases",
              vms.stream().map(VmRow::leaseId).filter(l -> l != null).distinct().toList(),
              "builds",
              activeBuilds,
              "waiting_leases",
              waiting));
    }
    if (providers.contains(template.provider())) {
      try {
        ProviderCalls.run(() -> providers.get(template.provider()).deleteTemplate(template.name()));
      } catch (RuntimeException e) {
        throw new ApiException(
            502,
            "provider_error",
            "provider "
                + template.provider()
                + " could not delete template "
                + template.name()
                + ": "
                + e.getMessage(),
            Map.of("provider", template.provider()));
      }
    }
    Instant now = clock.instant();
    db.inTransaction(
        s ->
            s.getMapper(TemplateMapper.class)
                .setState(id, TemplateRow.DELETED, "deleted by request", now));
    return template(id);
  }

  public List<BuildView> builds(String group, String state) {
    return builds(group, state, LIST_LIMIT);
  }

  /**
   * The newest {@code limit} builds (of {@code group}, in {@code state}; null for any), with their
   * steps, in three queries however many builds there are.
   */
  public List<BuildView> builds(String group, String state, int limit) {
    oneOf("state", state, BUILD_STATES);
    return db.inTransaction(
        session -> views(session, session.getMapper(BuildMapper.class).list(group, state, limit)));
  }

  public BuildView build(long id) {
    return view(findBuild(id));
  }

  public BuildView startBuild(long sourceTemplateId) {
    return view(refusalsMapped(() -> builds.start(sourceTemplateId)));
  }

  /**
   * The template called {@code name} on {@code provider}, for requests that name it instead of its
   * id.
   */
  public long templateId(String provider, String name) {
    TemplateRow t =
        db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectByName(provider, name));
    if (t == null) {
      throw ApiException.notFound(
          "unknown_template",
          "no template " + name + " on provider " + provider,
          Map.of("template", name, "provider", provider));
    }
    return t.id();
  }

  public BuildView retry(long buildId) {
    return view(refusalsMapped(() -> builds.retry(buildId)));
  }

  /** Asks the build's workflow to cancel; the chain rolls back and records the build cancelled. */
  public BuildView cancel(long buildId) {
    BuildRow build = findBuild(buildId);
    if (build.ended()) {
      throw new ApiException(
          409,
          "build_ended",
          "build " + buildId + " has already " + build.state(),
          Map.of("id", buildId, "state", build.state()));
    }
    try {
      client.newUntypedWorkflowStub(build.workflowId()).cancel();
    } catch (WorkflowNotFoundException e) {
      throw new ApiException(
          409,
          "build_not_running",
          "build " + buildId + " has no running workflow",
          Map.of("id", buildId, "workflow_id", build.workflowId()));
    }
    return view(build);
  }

  public Map<String, Object> pollTracker() {
    tracker.pollNow();
    return Map.of("polling", true);
  }

  private BuildView view(BuildRow b) {
    return db.inTransaction(session -> views(session, List.of(b)).get(0));
  }

  /**
   * The builds with their source templates' names and their steps: one query for each, not one per
   * build.
   */
  private List<BuildView> views(SqlSession session, List<BuildRow> rows) {
    if (rows.isEmpty()) {
      return List.of();
    }
    Map<Long, String> sourceNames = new HashMap<>();
    session
        .getMapper(TemplateMapper.class)
        .selectByIds(rows.stream().map(BuildRow::sourceTemplateId).distinct().toList())
        .forEach(t -> sourceNames.put(t.id(), t.name()));
    Map<Long, List<StepView>> steps = new HashMap<>();
    session
        .getMapper(BuildMapper.class)
        .stepsOf(rows.stream().map(BuildRow::id).toList())
        .forEach(
            s ->
                steps
                    .computeIfAbsent(s.buildId(), id -> new ArrayList<>())
                    .add(
                        new StepView(
                            s.name(),
                            s.state(),
                            s.attempts(),
                            s.startedAt(),
                            s.endedAt(),
                            s.error())));
    return rows.stream()
        .map(
            b ->
                new BuildView(
                    b.id(),
                    b.templateGroup(),
                    sourceNames.get(b.sourceTemplateId()),
                    b.sourceTemplateId(),
                    b.provider(),
                    b.state(),
                    b.step(),
                    b.error(),
                    List.copyOf(steps.getOrDefault(b.id(), List.of())),
                    b.workflowId(),
                    workflowUrl(b.workflowId()),
                    b.resultName(),
                    b.resultTemplateId(),
                    b.retryOf(),
                    b.createdAt(),
                    b.startedAt(),
                    b.endedAt()))
        .toList();
  }

  private String workflowUrl(String workflowId) {
    if (temporalUiUrl == null) {
      return null;
    }
    String base =
        temporalUiUrl.endsWith("/")
            ? temporalUiUrl.substring(0, temporalUiUrl.length() - 1)
            : temporalUiUrl;
    return base
        + "/namespaces/"
        + namespace
        + "/workflows/"
        + URLEncoder.encode(workflowId, StandardCharsets.UTF_8);
  }

  private TemplateRow findTemplate(long id) {
    TemplateRow t = db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectById(id));
    if (t == null) {
      throw ApiException.notFound(
          "unknown_template", "no template with id " + id, Map.of("id", id));
    }
    return t;
  }

  private BuildRow findBuild(long id) {
    BuildRow b = db.inTransaction(s -> s.getMapper(BuildMapper.class).selectById(id));
    if (b == null) {
      throw ApiException.notFound("unknown_build", "no build with id " + id, Map.of("id", id));
    }
    return b;
  }

  private static BuildRow refusalsMapped(Supplier<BuildRow> action) {
    try {
      return action.get();
    } catch (BuildRefusedException e) {
      int status =
          switch (e.reason()) {
            case BuildRefusedException.NOT_FOUND -> 404;
            case BuildRefusedException.CONFLICT -> 409;
            default -> 400;
          };
      throw new ApiException(status, "build_refused", e.getMessage(), Map.of("reason", e.reason()));
    }
  }

  private static void oneOf(String field, String value, List<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      throw ApiException.badRequest(
          "unknown " + field + " '" + value + "'", Map.of("field", field, "allowed", allowed));
    }
  }
}
