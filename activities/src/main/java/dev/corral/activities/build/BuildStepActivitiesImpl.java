package dev.corral.activities.build;

import dev.corral.activities.ProviderCalls;
import dev.corral.activities.metrics.BuildMetrics;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.BuildStepRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.temporal.TemplateChanges;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.BuildStepActivities;
import dev.corral.workflows.model.BuildInput;
import dev.corral.workflows.model.BuildSteps;
import dev.corral.workflows.model.StepRequest;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain's steps on a provider. Each step writes its start and end to {@code build_step} around
 * the provider call, so the API shows progress without asking Temporal. Steps are idempotent by the
 * build's VM and template names (the provider SPI guarantees it), so a retried or resumed step is
 * harmless.
 */
public final class BuildStepActivitiesImpl implements BuildStepActivities {
  private static final Logger log = LoggerFactory.getLogger(BuildStepActivitiesImpl.class);

  /** How long a guest may take to shut down cleanly before it is forced off. */
  static final Duration GRACEFUL_POWER_OFF = Duration.ofMinutes(2);

  private final Db db;
  private final ProviderRegistry providers;
  private final Clock clock;
  private final BuildWaker waker;
  private final TemplateChanges changes;
  private final BuildMetrics metrics;

  public BuildStepActivitiesImpl(Db db, ProviderRegistry providers, Clock clock, BuildWaker waker) {
    this(db, providers, clock, waker, TemplateChanges.NONE);
  }

  public BuildStepActivitiesImpl(
      Db db, ProviderRegistry providers, Clock clock, BuildWaker waker, TemplateChanges changes) {
    this(db, providers, clock, waker, changes, BuildMetrics.none());
  }

  public BuildStepActivitiesImpl(
      Db db,
      ProviderRegistry providers,
      Clock clock,
      BuildWaker waker,
      TemplateChanges changes,
      BuildMetrics metrics) {
    this.metrics = metrics;
    this.changes = changes;
    this.db = db;
    this.providers = providers;
    this.clock = clock;
    this.waker = waker;
  }

  @Override
  public void deploy(StepRequest request) {
    longProviderStep(
        request, (provider, build) -> provider.deploy(build.vmName(), build.sourceTemplate()));
  }

  @Override
  public void verifyVersion(StepRequest request) {
    BuildInput build = request.build();
    step(
        request,
        () -> {
          Optional<String> reported = provider(build).guestVersion(build.vmName());
          String expected = build.expectedVersion();
          if (reported.isPresent() && expected != null && !sameVersion(expected, reported.get())) {
            throw ApplicationFailure.newNonRetryableFailure(
                "the guest reports version "
                    + reported.get()
                    + " but template "
                    + build.sourceTemplate()
                    + " was recorded as "
                    + expected,
                ErrorTypes.VERSION_MISMATCH);
          }
          return null;
        });
  }

  /**
   * Versions agree when equal, or when one extends the other by more parts ({@code 12.8} and {@code
   * 12.8.1}): trackers often record only the leading parts of what the guest reports.
   */
  static boolean sameVersion(String expected, String reported) {
    String a = expected.trim();
    String b = reported.trim();
    return a.equals(b) || b.startsWith(a + ".") || a.startsWith(b + ".");
  }

  @Override
  public void configure(StepRequest request) {
    longProviderStep(
        request, (provider, build) -> provider.configure(build.vmName(), build.configure()));
  }

  @Override
  public void seal(StepRequest request) {
    providerStep(request, (provider, build) -> provider.seal(build.vmName()));
  }

  @Override
  public void powerOff(StepRequest request) {
    longProviderStep(
        request, (provider, build) -> provider.powerOff(build.vmName(), GRACEFUL_POWER_OFF));
  }

  @Override
  public void finish(StepRequest request) {
    BuildInput build = request.build();
    longProviderStep(
        request, (provider, made) -> provider.createTemplate(made.vmName(), made.resultTemplate()));
    Instant now = clock.instant();
    // The template exists on the provider now; recording it ready and ending the build is one
    // transaction.
    db.inTransaction(
        session -> {
          TemplateMapper templates = session.getMapper(TemplateMapper.class);
          TemplateRow made = templates.selectByName(build.provider(), build.resultTemplate());
          // The tracker may have declared the source unusable while the chain ran (it marks the
          // children
          // made so far unusable too, but a preparing one has no state to flip yet): keep it out of
          // pools.
          if (made.usable()) {
            templates.setState(made.id(), TemplateRow.READY, null, now);
          } else {
            templates.setState(
                made.id(), TemplateRow.UNUSABLE, "the tracker reports the build unusable", now);
          }
          session
              .getMapper(BuildMapper.class)
              .end(build.buildId(), BuildRow.SUCCEEDED, BuildSteps.FINISH, null, made.id(), now);
          return null;
        });
    EventLog.info(
        log,
        "build succeeded: template " + build.resultTemplate() + " made",
        EventLog.BUILD,
        build.buildId(),
        EventLog.PROVIDER,
        build.provider(),
        EventLog.TEMPLATE,
        build.resultTemplate());
    waker.slotFreed(build.provider());
    changes.happened();
  }

  @Override
  public void deleteOnError(BuildInput build) {
    StepRequest request = new StepRequest(build, BuildSteps.DELETE_ON_ERROR);
    step(
        request,
        () -> {
          VmProvider provider = provider(build);
          // Both are idempotent: whichever of them the chain got to make is removed, the rest is a
          // no-op.
          provider.destroy(build.vmName());
          provider.deleteTemplate(build.resultTemplate());
          return null;
        });
  }

  /** A step that is one quick provider call. */
  private void providerStep(StepRequest request, ProviderCall call) {
    step(request, () -> callProvider(call, request.build()));
  }

  /** A step that is one provider call that may run for minutes: it heartbeats while it runs. */
  private void longProviderStep(StepRequest request, ProviderCall call) {
    step(request, () -> Heartbeats.whileRunning(() -> callProvider(call, request.build())));
  }

  /** One provider call of a chain step; what it returns, if anything, is not used. */
  @FunctionalInterface
  private interface ProviderCall {
    void run(VmProvider provider, BuildInput build);
  }

  private Void callProvider(ProviderCall call, BuildInput build) {
    call.run(provider(build), build);
    return null;
  }

  private VmProvider provider(BuildInput build) {
    return ProviderCalls.call(() -> providers.get(build.provider()));
  }

  private void step(StepRequest request, Supplier<?> work) {
    long buildId = request.build().buildId();
    String name = request.step();
    int seq = BuildSteps.CHAIN.indexOf(name) + 1;
    boolean done =
        db.inTransaction(
            session -> {
              BuildMapper builds = session.getMapper(BuildMapper.class);
              // A chain started again after a crash (the embedded Temporal server forgets it;
              // start-up restarts it from
              // the database) or an activity whose completion never reached Temporal: a step the
              // database records as
              // succeeded is not run twice. Running it again would be wrong, not just slow: after
              // power-off, verify would
              // find the VM off, and a second finish would make a second template.
              if (builds.steps(buildId).stream()
                  .anyMatch(
                      st -> st.name().equals(name) && BuildStepRow.SUCCEEDED.equals(st.state()))) {
                return true;
              }
              Instant now = clock.instant();
              builds.stepStarted(buildId, seq == 0 ? BuildSteps.CHAIN.size() + 1 : seq, name, now);
              builds.setStep(buildId, name, now);
              return false;
            });
    if (done) {
      log.info("build {}: step {} already succeeded; not run again", buildId, name);
      return;
    }
    Object[] ids = {
      EventLog.BUILD,
      buildId,
      EventLog.STEP,
      name,
      EventLog.PROVIDER,
      request.build().provider(),
      EventLog.VM,
      request.build().vmName(),
      EventLog.TEMPLATE,
      request.build().resultTemplate()
    };
    EventLog.info(log, "build step started", ids);
    long started = System.nanoTime();
    try {
      ProviderCalls.call(work);
    } catch (RuntimeException e) {
      measured(request, BuildStepRow.FAILED, started);
      ended(buildId, name, BuildStepRow.FAILED, describe(e));
      EventLog.warn(log, "build step failed: " + describe(e), ids);
      throw e;
    }
    measured(request, BuildStepRow.SUCCEEDED, started);
    ended(buildId, name, BuildStepRow.SUCCEEDED, null);
    EventLog.info(log, "build step finished", ids);
  }

  private void measured(StepRequest request, String outcome, long startedNanos) {
    BuildInput build = request.build();
    metrics.step(
        build.group(),
        build.provider(),
        request.step(),
        outcome,
        Duration.ofNanos(System.nanoTime() - startedNanos));
  }

  private void ended(long buildId, String name, String state, String error) {
    db.inTransaction(
        s ->
            s.getMapper(BuildMapper.class)
                .stepEnded(
                    buildId, name, state, BuildActivitiesImpl.truncate(error), clock.instant()));
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
