package dev.corral.activities.build;

import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.TemplateGroupRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.VmNames;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.build.TemplateBuildWorkflow;
import dev.corral.workflows.model.BuildInput;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts preparation builds: records the build (queued) and the template it will make (preparing)
 * in one transaction, then starts its workflow. At most one unfinished build exists per source
 * template, so a second start (a duplicate tracker poll, a double click) returns the build already
 * under way.
 */
public final class BuildStarter {
  private static final Logger log = LoggerFactory.getLogger(BuildStarter.class);
  private final Db db;
  private final WorkflowClient client;
  private final Clock clock;

  public BuildStarter(Db db, WorkflowClient client, Clock clock) {
    this.db = db;
    this.client = client;
    this.clock = clock;
  }

  /** A build of {@code sourceTemplateId}, the one under way if there is one. */
  public BuildRow start(long sourceTemplateId) {
    return start(sourceTemplateId, null);
  }

  /** A new build of the failed or cancelled build's source; the old build stays as it was. */
  public BuildRow retry(long buildId) {
    BuildRow old = db.inTransaction(s -> s.getMapper(BuildMapper.class).selectById(buildId));
    if (old == null) {
      throw new BuildRefusedException(
          BuildRefusedException.NOT_FOUND, "no build with id " + buildId);
    }
    if (!BuildRow.FAILED.equals(old.state()) && !BuildRow.CANCELLED.equals(old.state())) {
      throw new BuildRefusedException(
          BuildRefusedException.CONFLICT,
          "build "
              + buildId
              + " is "
              + old.state()
              + "; only failed or cancelled builds can be retried");
    }
    return start(old.sourceTemplateId(), buildId);
  }

  private BuildRow start(long sourceTemplateId, Long retryOf) {
    Instant now = clock.instant();
    Started started =
        db.inTransaction(
            session -> {
              TemplateMapper templates = session.getMapper(TemplateMapper.class);
              BuildMapper builds = session.getMapper(BuildMapper.class);
              TemplateRow source = templates.selectByIdForUpdate(sourceTemplateId);
              check(
                  source,
                  sourceTemplateId,
                  source == null
                      ? null
                      : session.getMapper(ProviderMapper.class).selectByName(source.provider()));
              Optional<BuildRow> underWay =
                  builds.bySource(sourceTemplateId).stream().filter(b -> !b.ended()).findFirst();
              if (underWay.isPresent()) {
                if (retryOf != null) {
                  throw new BuildRefusedException(
                      BuildRefusedException.CONFLICT,
                      "build "
                          + underWay.get().id()
                          + " of the same template is already "
                          + underWay.get().state());
                }
                return new Started(underWay.get(), null);
              }
              String suffix = VmNames.fromUuid(UUID.randomUUID()).substring("corral-".length());
              BuildRow row =
                  new BuildRow(
                      0,
                      source.templateGroup(),
                      source.provider(),
                      source.id(),
                      BuildRow.QUEUED,
                      null,
                      null,
                      WorkflowIds.build(source.templateGroup(), source.provider(), source.name()),
                      "corral-build-" + suffix,
                      preparedName(source, suffix),
                      null,
                      retryOf,
                      now,
                      null,
                      null,
                      now);
              BuildMapper.GeneratedId id = new BuildMapper.GeneratedId();
              builds.insert(row, id);
              templates.insertPrepared(
                  new TemplateRow(
                      0,
                      row.resultName(),
                      source.provider(),
                      source.templateGroup(),
                      source.version(),
                      source.buildDate(),
                      source.ga(),
                      true,
                      true,
                      source.id(),
                      id.id,
                      TemplateRow.FROM_BUILD,
                      TemplateRow.PREPARING,
                      null,
                      now,
                      now));
              BuildRow inserted = builds.selectById(id.id);
              return new Started(inserted, input(inserted, source, templates));
            });
    if (started.input() != null) {
      startWorkflow(started.input(), started.build().workflowId());
      BuildRow b = started.build();
      EventLog.info(
          log,
          "build queued" + (retryOf == null ? "" : ", retrying build " + retryOf),
          EventLog.BUILD,
          b.id(),
          EventLog.PROVIDER,
          b.provider(),
          EventLog.TEMPLATE,
          b.resultName(),
          EventLog.GROUP,
          b.templateGroup());
    }
    return started.build();
  }

  /** Starts (or finds) the workflow of a build the database holds. */
  private void startWorkflow(BuildInput input, String workflowId) {
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(workflowId)
            .setTaskQueue(TaskQueues.WORKFLOWS)
            // A new build of the same source after a failure is a new run under the same id...
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            // ...and a start while it runs (recovery, a race) finds the running one.
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .build();
    WorkflowClient.start(
        client.newWorkflowStub(TemplateBuildWorkflow.class, options)::build, input);
  }

  /**
   * Starts the workflows of the builds the database shows queued or running: the embedded Temporal
   * server forgets them on restart; a real cluster still runs them, and the start finds them.
   * Returns how many there were.
   */
  public int resumeUnfinished() {
    List<Resumed> unfinished =
        db.inTransaction(
            session -> {
              BuildMapper builds = session.getMapper(BuildMapper.class);
              TemplateMapper templates = session.getMapper(TemplateMapper.class);
              return Stream.concat(
                      builds.list(null, BuildRow.QUEUED, 10_000).stream(),
                      builds.list(null, BuildRow.RUNNING, 10_000).stream())
                  .map(
                      b ->
                          new Resumed(
                              b.workflowId(),
                              input(b, templates.selectById(b.sourceTemplateId()), templates)))
                  .toList();
            });
    unfinished.forEach(r -> startWorkflow(r.input(), r.workflowId()));
    return unfinished.size();
  }

  private record Resumed(String workflowId, BuildInput input) {}

  /** A build's workflow input: its row, its source template, and its group's configure settings. */
  private static BuildInput input(BuildRow build, TemplateRow source, TemplateMapper templates) {
    TemplateGroupRow group = templates.selectGroup(build.templateGroup());
    return new BuildInput(
        build.id(),
        build.templateGroup(),
        build.provider(),
        source.name(),
        source.version(),
        build.vmName(),
        build.resultName(),
        JsonText.toMap(group == null ? null : group.configure()));
  }

  private static void check(TemplateRow source, long id, ProviderRow provider) {
    if (source == null) {
      throw new BuildRefusedException(BuildRefusedException.NOT_FOUND, "no template with id " + id);
    }
    String what = "template " + id + " (" + source.name() + " on " + source.provider() + ")";
    if (source.prepared()) {
      throw new BuildRefusedException(
          BuildRefusedException.INVALID, what + " is prepared already; build from its raw parent");
    }
    if (source.templateGroup() == null) {
      throw new BuildRefusedException(
          BuildRefusedException.INVALID, what + " belongs to no template group");
    }
    if (!source.usable()
        || !(TemplateRow.READY.equals(source.state())
            || TemplateRow.DISCOVERED.equals(source.state()))) {
      throw new BuildRefusedException(
          BuildRefusedException.CONFLICT,
          what
              + " is "
              + (source.usable() ? source.state() : "unusable")
              + "; only usable raw templates can be prepared");
    }
    if (provider == null || !provider.active()) {
      throw new BuildRefusedException(
          BuildRefusedException.CONFLICT, "provider " + source.provider() + " is not configured");
    }
    if (provider.maxConcurrentBuilds() == 0) {
      throw new BuildRefusedException(
          BuildRefusedException.CONFLICT,
          "provider "
              + source.provider()
              + " has max_concurrent_builds: 0, so it prepares no templates");
    }
  }

  /** The prepared template's name on the provider: its source's name, marked and made unique. */
  static String preparedName(TemplateRow source, String suffix) {
    String base = source.name().length() > 100 ? source.name().substring(0, 100) : source.name();
    return base + "-prep-" + suffix;
  }

  private record Started(BuildRow build, BuildInput input) {}
}
