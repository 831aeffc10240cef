package dev.corral.activities.build;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.BuildStepRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.workflows.build.TemplateBuildWorkflowImpl;
import dev.corral.workflows.model.BuildSteps;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.WorkflowReplayer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The preparation chain of one build, end to end: workflow, step activities, database and simulated
 * provider.
 */
class TemplateBuildChainTest {
  private static final String RAW = "debian-12-20261120";

  private TemplateHarness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void happyPath_runsEveryStepInOrder_andLeavesAReadyPreparedTemplate() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.gate.hold(BuildSteps.POWEROFF);
    BuildRow build = h.starter.start(raw.id());
    assertEquals(
        BuildRow.QUEUED, build.state(), "a build is recorded queued before its workflow runs");

    h.gate.awaitHeld();
    assertEquals(
        TemplateHarness.CONFIGURE,
        h.provider.controls().configuration(build.vmName()).orElseThrow(),
        "configure hands the group's settings to the guest");
    assertTrue(
        h.provider.controls().isSealed(build.vmName()),
        "the VM is sealed before it is powered off");
    assertEquals(BuildRow.RUNNING, h.build(build.id()).state());
    assertEquals(
        BuildSteps.POWEROFF, h.build(build.id()).step(), "the build shows the step under way");
    h.gate.release();

    assertEquals("succeeded", h.workflow(build).getResult(60, SECONDS, String.class));
    BuildRow done = h.build(build.id());
    assertEquals(BuildRow.SUCCEEDED, done.state());
    assertNull(done.error());
    assertNotNull(done.startedAt());
    assertNotNull(done.endedAt());

    List<BuildStepRow> steps = h.steps(build.id());
    assertEquals(
        BuildSteps.CHAIN,
        steps.stream().map(BuildStepRow::name).toList(),
        "steps in chain order: " + steps);
    for (BuildStepRow step : steps) {
      assertEquals(BuildStepRow.SUCCEEDED, step.state(), step.toString());
      assertEquals(1, step.attempts(), step.toString());
      assertNotNull(step.endedAt(), step.toString());
      assertFalse(step.endedAt().isBefore(step.startedAt()), step.toString());
    }
    for (int i = 1; i < steps.size(); i++) {
      assertFalse(
          steps.get(i).startedAt().isBefore(steps.get(i - 1).endedAt()),
          "steps run one after another: " + steps);
    }

    TemplateRow made = h.template(done.resultTemplateId());
    assertEquals(done.resultName(), made.name());
    assertEquals(TemplateRow.READY, made.state());
    assertTrue(made.prepared());
    assertTrue(made.usable());
    assertEquals(raw.id(), made.parentId());
    assertEquals(build.id(), made.buildId());
    assertEquals(TemplateHarness.GROUP, made.templateGroup());
    assertEquals("12.8", made.version());

    ProviderTemplate onProvider =
        h.provider.templates().stream()
            .filter(t -> t.name().equals(done.resultName()))
            .findFirst()
            .orElseThrow();
    assertTrue(onProvider.prepared());
    assertEquals("12.8", onProvider.version());
    assertTrue(
        h.provider.inventory().isEmpty(),
        "the build's VM became the template: " + h.provider.inventory());

    assertEquals(
        List.of(
            "TryStartBuild", "Deploy", "VerifyVersion", "Configure", "Seal", "PowerOff", "Finish"),
        h.scheduledActivities(build.workflowId()),
        "the Temporal history names the steps in order");
    WorkflowReplayer.replayWorkflowExecution(
        h.client.fetchHistory(build.workflowId()), TemplateBuildWorkflowImpl.class);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Operation.class,
      names = {"DEPLOY", "VERIFY", "CONFIGURE", "SEAL", "POWEROFF", "FINISH"})
  void permanentFailureAtAnyStep_deletesEverythingTheChainMade_andFailsTheBuildAtThatStep(
      Operation op) throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.provider.controls().failNextPermanently(op, "broken " + op.step());
    BuildRow build = h.starter.start(raw.id());

    WorkflowFailedException failed =
        assertThrows(
            WorkflowFailedException.class,
            () -> h.workflow(build).getResult(60, SECONDS, String.class));
    assertTrue(
        String.valueOf(failed.getCause().getMessage()).contains("failed at " + op.step()),
        failed.toString());

    BuildRow done = h.build(build.id());
    assertEquals(BuildRow.FAILED, done.state(), h.describe(build.id()));
    assertEquals(op.step(), done.step(), "the build names the step that failed");
    assertNotNull(done.error());
    assertTrue(done.error().contains("broken " + op.step()), "the build says why: " + done.error());
    assertNull(done.resultTemplateId());

    List<BuildStepRow> steps = h.steps(build.id());
    List<String> expected =
        new ArrayList<>(BuildSteps.CHAIN.subList(0, BuildSteps.CHAIN.indexOf(op.step()) + 1));
    expected.add(BuildSteps.DELETE_ON_ERROR);
    assertEquals(expected, steps.stream().map(BuildStepRow::name).toList(), steps.toString());
    BuildStepRow failedStep = h.step(build.id(), op.step());
    assertEquals(BuildStepRow.FAILED, failedStep.state());
    assertEquals(1, failedStep.attempts(), "a permanent failure is not retried");
    assertTrue(failedStep.error().contains("broken " + op.step()), failedStep.error());
    assertEquals(BuildStepRow.SUCCEEDED, h.step(build.id(), BuildSteps.DELETE_ON_ERROR).state());

    assertEquals(
        TemplateRow.FAILED,
        h.template(done.resultName()).state(),
        "the template the build was to make");
    assertTrue(h.provider.inventory().isEmpty(), "no VM left: " + h.provider.inventory());
    assertTrue(h.provider.controls().halfMadeTemplates().isEmpty(), "no half-made template left");
    assertFalse(
        h.providerTemplateNames().contains(done.resultName()),
        h.providerTemplateNames().toString());
    assertTrue(h.providerTemplateNames().contains(RAW), "the raw template is untouched");
  }

  @Test
  void aChainStartedAgainForTheSameBuild_skipsTheStepsThatSucceeded_andFinishes() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.gate.hold(BuildSteps.POWEROFF);
    BuildRow build = h.starter.start(raw.id());
    h.gate.awaitHeld();
    // What a restart of Corral on the embedded Temporal server amounts to: the workflow is gone,
    // the
    // database still says the build is running, and start-up starts its chain again from the top.
    h.workflow(build).terminate("Corral was killed");
    h.gate.release();
    long deadline = System.nanoTime() + TemplateHarness.WAIT_LIMIT.toNanos();
    while (!BuildStepRow.SUCCEEDED.equals(h.step(build.id(), BuildSteps.POWEROFF).state())
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, h.starter.resumeUnfinished());

    assertEquals("succeeded", h.workflow(build).getResult(60, SECONDS, String.class));
    assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state());
    for (String step :
        List.of(
            BuildSteps.DEPLOY,
            BuildSteps.VERIFY,
            BuildSteps.CONFIGURE,
            BuildSteps.SEAL,
            BuildSteps.POWEROFF)) {
      // Verify run again would have found the VM powered off and failed the build.
      assertEquals(1, h.step(build.id(), step).attempts(), step + " ran again");
    }
    assertEquals(TemplateRow.READY, h.template(h.build(build.id()).resultTemplateId()).state());
  }

  @Test
  void transientFailures_areRetried_andTheBuildStillSucceeds() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.provider.controls().failNext(Operation.CONFIGURE, "guest agent not up yet");
    h.provider.controls().failNext(Operation.CONFIGURE, "guest agent not up yet");
    BuildRow build = h.starter.start(raw.id());

    assertEquals("succeeded", h.workflow(build).getResult(60, SECONDS, String.class));
    BuildStepRow configure = h.step(build.id(), BuildSteps.CONFIGURE);
    assertEquals(3, configure.attempts());
    assertEquals(BuildStepRow.SUCCEEDED, configure.state());
    assertNull(configure.error(), "a step that succeeded in the end shows no error");
    assertEquals(1, h.step(build.id(), BuildSteps.DEPLOY).attempts());
    assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state());
    assertTrue(h.provider.inventory().isEmpty());
  }

  @Test
  void versionMismatch_failsAtVerify_withoutRetries() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.provider.controls().setGuestVersion(RAW, "12.9");
    BuildRow build = h.starter.start(raw.id());

    assertThrows(
        WorkflowFailedException.class,
        () -> h.workflow(build).getResult(60, SECONDS, String.class));
    BuildRow done = h.build(build.id());
    assertEquals(BuildRow.FAILED, done.state());
    assertEquals(BuildSteps.VERIFY, done.step());
    assertTrue(done.error().contains("12.9") && done.error().contains("12.8"), done.error());
    assertEquals(1, h.step(build.id(), BuildSteps.VERIFY).attempts(), "a mismatch is final");
    assertEquals(BuildStepRow.SUCCEEDED, h.step(build.id(), BuildSteps.DELETE_ON_ERROR).state());
    assertTrue(h.provider.inventory().isEmpty());
  }

  @Test
  void guestReportingALongerVersion_passesVerify() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.provider.controls().setGuestVersion(RAW, "12.8.1");
    BuildRow build = h.starter.start(raw.id());
    assertEquals("succeeded", h.workflow(build).getResult(60, SECONDS, String.class));
  }

  @Test
  void cancelMidChain_rollsBack_andRecordsTheBuildCancelled() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow build = h.starter.start(raw.id());
    h.gate.awaitHeld();
    assertEquals(1, h.provider.inventory().size(), "deploy made the VM");

    h.workflow(build).cancel();
    // The held configure is not released: the cancellation itself must stop it (through its
    // heartbeat).
    WorkflowFailedException failed =
        assertThrows(
            WorkflowFailedException.class,
            () -> h.workflow(build).getResult(60, SECONDS, String.class));
    assertTrue(
        failed.getCause() instanceof CanceledFailure, "the workflow ends cancelled: " + failed);

    BuildRow done = h.build(build.id());
    assertEquals(BuildRow.CANCELLED, done.state(), h.describe(build.id()));
    assertEquals(BuildSteps.CONFIGURE, done.step(), "the build names the step it was cancelled in");
    BuildStepRow configure = h.step(build.id(), BuildSteps.CONFIGURE);
    BuildStepRow rollback = h.step(build.id(), BuildSteps.DELETE_ON_ERROR);
    assertEquals(
        BuildStepRow.FAILED, configure.state(), "the cancelled step stopped: " + configure);
    assertFalse(
        rollback.startedAt().isBefore(configure.endedAt()),
        "delete-on-error runs only once the cancelled step has stopped, so the step cannot make anything after it: "
            + configure
            + " / "
            + rollback);
    assertEquals(BuildStepRow.SUCCEEDED, rollback.state());
    assertEquals(TemplateRow.FAILED, h.template(done.resultName()).state());
    assertTrue(h.provider.inventory().isEmpty(), "no VM left: " + h.provider.inventory());
    assertTrue(h.provider.controls().halfMadeTemplates().isEmpty());
    assertFalse(h.providerTemplateNames().contains(done.resultName()));
  }

  @Test
  void cancelWhileQueued_endsTheBuildCancelled_withoutRunningAStep() throws Exception {
    h = TemplateHarness.start(new TemplateHarness.Options().maxConcurrentBuilds(1));
    TemplateRow first = h.rawTemplate("debian-12-a", "12.7");
    TemplateRow second = h.rawTemplate("debian-12-b", "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow running = h.starter.start(first.id());
    h.gate.awaitHeld();
    BuildRow queued = h.starter.start(second.id());
    h.await(
        "the second build is queued",
        () -> h.scheduledActivities(queued.workflowId()).contains("TryStartBuild"));
    h.await("the second build waits for a slot", () -> h.waitingOnTimer(queued.workflowId()));

    h.workflow(queued).cancel();
    assertThrows(
        WorkflowFailedException.class,
        () -> h.workflow(queued).getResult(60, SECONDS, String.class));
    BuildRow done = h.build(queued.id());
    assertEquals(BuildRow.CANCELLED, done.state());
    assertEquals(BuildSteps.QUEUED, done.step());
    assertFalse(
        h.steps(queued.id()).stream().anyMatch(s -> BuildSteps.CHAIN.contains(s.name())),
        "no step ran");
    assertEquals(
        BuildRow.RUNNING, h.build(running.id()).state(), "the running build is not disturbed");
    h.gate.release();
    assertEquals("succeeded", h.workflow(running).getResult(60, SECONDS, String.class));
  }

  @Test
  void workerRestartDuringConfigure_resumesTheChain_withoutRedoingFinishedSteps() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow build = h.starter.start(raw.id());
    h.gate.awaitHeld();

    List<String> onNewWorker = h.restartWorkers(false);
    h.gate.release(); // the old worker finishes the configure under way and reports it

    assertEquals("succeeded", h.workflow(build).getResult(60, SECONDS, String.class));
    assertEquals(
        List.of("Seal", "PowerOff", "Finish"),
        onNewWorker,
        "the new worker carries on after configure");
    for (String step : List.of(BuildSteps.DEPLOY, BuildSteps.VERIFY, BuildSteps.CONFIGURE)) {
      assertEquals(1, h.step(build.id(), step).attempts(), step + " is not redone");
    }
    assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state());
    assertTrue(h.provider.inventory().isEmpty());
    assertTrue(h.providerTemplateNames().contains(build.resultName()));
  }

  /**
   * May take a minute: when the killed attempt cannot report, the server notices it only at the
   * configure heartbeat timeout, in real time (time does not skip while an activity runs).
   */
  @Test
  void workerCrashDuringConfigure_retriesConfigureOnTheNewWorker_withoutRedoingFinishedSteps()
      throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate(RAW, "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow build = h.starter.start(raw.id());
    h.gate.awaitHeld();

    List<String> onNewWorker = h.restartWorkers(true);
    h.gate.release();

    assertEquals("succeeded", h.workflow(build).getResult(120, SECONDS, String.class));
    assertEquals(List.of("Configure", "Seal", "PowerOff", "Finish"), onNewWorker);
    assertEquals(1, h.step(build.id(), BuildSteps.DEPLOY).attempts(), "deploy is not redone");
    assertEquals(1, h.step(build.id(), BuildSteps.VERIFY).attempts(), "verify is not redone");
    assertEquals(
        2,
        h.step(build.id(), BuildSteps.CONFIGURE).attempts(),
        "the interrupted configure ran again");
    assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state());
    assertTrue(
        h.provider.inventory().isEmpty(),
        "the crashed attempt left nothing behind: " + h.provider.inventory());
    assertTrue(h.providerTemplateNames().contains(build.resultName()));
  }
}
