package dev.corral.activities.templates;

import static dev.corral.activities.build.TemplateHarness.GROUP;
import static dev.corral.activities.build.TemplateHarness.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.build.TemplateHarness;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.temporal.Tracker;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.BuildSteps;
import dev.corral.workflows.model.TrackerPass;
import dev.corral.workflows.tracker.TemplateTrackerWorkflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tracker loop: discovery from documents and provider listings, builds it starts, usability
 * changes.
 */
class TemplateTrackerTest {
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static final String FEDORA = "fedora-40";

  private TemplateHarness h;
  private final Path document =
      Path.of("target", "tracker-tests", "builds-" + UUID.randomUUID() + ".yaml");

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private TemplateHarness.Options withDocument() {
    return new TemplateHarness.Options().trackerFile(document);
  }

  private void writeDocument(String... entries) {
    StringBuilder yaml = new StringBuilder(entries.length == 0 ? "builds: []\n" : "builds:\n");
    for (String entry : entries) {
      yaml.append("  - ").append(entry).append('\n');
    }
    try {
      Files.createDirectories(document.getParent());
      Files.writeString(document, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String entry(
      String group, String name, String version, LocalDate date, boolean usable) {
    return "{group: "
        + group
        + ", name: "
        + name
        + (version == null ? "" : ", version: \"" + version + "\"")
        + ", date: "
        + date
        + ", ga: true, usable: "
        + usable
        + ", providers: ["
        + PROVIDER
        + "]}";
  }

  /**
   * The raw build also sits on the provider, as it would in real life (so the listing reports it
   * too).
   */
  private void onProvider(String group, String name, String version, LocalDate date) {
    h.provider.controls().putTemplate(new SimulatedTemplate(name, group, version, date));
  }

  private List<BuildRow> awaitBuildsEnded() {
    h.await("every build ended", () -> h.builds().stream().allMatch(BuildRow::ended));
    return h.builds();
  }

  @Test
  void
      discoveryFromADocument_recordsNewUsableBuilds_andIgnoresUnknownGroupsObsoleteAndUnusableOnes() {
    h = TemplateHarness.start(withDocument());
    writeDocument(
        entry(GROUP, "debian-12-20261120", "12.8", TODAY.minusDays(1), true),
        entry("no-such-group", "mystery-1", "1.0", TODAY.minusDays(1), true),
        entry(GROUP, "debian-12-ancient", "12.1", TODAY.minusDays(31), true),
        entry(GROUP, "debian-12-broken", "12.9", TODAY, false),
        "{group: "
            + GROUP
            + ", name: debian-12-elsewhere, date: "
            + TODAY
            + ", providers: [other]}");

    TrackerPass pass = h.tracker().poll();

    assertEquals(List.of(), pass.errors());
    assertEquals(1, pass.recorded());
    assertEquals(0, pass.buildsStarted(), "no pool wants prepared templates");
    TemplateRow found = h.template("debian-12-20261120");
    assertNotNull(found);
    assertEquals(GROUP, found.templateGroup());
    assertEquals("12.8", found.version());
    assertEquals(TODAY.minusDays(1), found.buildDate());
    assertTrue(found.ga());
    assertTrue(found.usable());
    assertFalse(found.prepared());
    assertEquals(TemplateRow.FROM_TRACKER, found.origin());
    assertEquals(TemplateRow.READY, found.state());
    assertNull(h.template("mystery-1"), "builds of unknown groups are ignored");
    assertNull(h.template("debian-12-ancient"), "builds older than obsolete_days are ignored");
    assertNull(h.template("debian-12-broken"), "unusable builds are not recorded at discovery");
    assertEquals(1, h.templates().size());
    assertTrue(h.builds().isEmpty());
  }

  @Test
  void discoveryFromTheProviderListing_recordsRawTemplatesOfKnownGroups() {
    h = TemplateHarness.start();
    onProvider(GROUP, "debian-12-20261121", "12.9", TODAY);
    onProvider("no-such-group", "mystery-2", "2.0", TODAY);
    onProvider(GROUP, "debian-12-ancient", "12.0", TODAY.minusDays(60));

    TrackerPass pass = h.tracker().poll();

    assertEquals(List.of(), pass.errors());
    assertEquals(1, pass.recorded());
    TemplateRow found = h.template("debian-12-20261121");
    assertEquals("12.9", found.version());
    assertEquals(
        TemplateRow.FROM_PROVIDER, found.origin(), "the row says where Corral learned of it");
    assertNull(h.template("mystery-2"));
    assertNull(h.template("debian-12-ancient"));
  }

  @Test
  void aDocumentsUnusableVerdict_isNotOverruledByTheProviderListingTheSameBuild() {
    h = TemplateHarness.start(withDocument());
    onProvider(GROUP, "debian-12-20261120", "12.8", TODAY);
    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, false));

    h.tracker().poll();

    assertNull(
        h.template("debian-12-20261120"),
        "the tracker says unusable: not recorded, whatever the listing says");
  }

  @Test
  void duplicatePolls_startOneBuildPerSource_forTheNewestKeepPreparedBuildsOnly() throws Exception {
    h = TemplateHarness.start(withDocument().preparedPool("debian-prepared", GROUP));
    writeDocument(
        entry(GROUP, "debian-12-a", "12.6", TODAY.minusDays(3), true),
        entry(GROUP, "debian-12-b", "12.10", TODAY.minusDays(2), true),
        entry(GROUP, "debian-12-c", "12.9", TODAY.minusDays(1), true));

    TrackerPass first = h.tracker().poll();
    TrackerPass second = h.tracker().poll();
    // Two trackers polling at once (two instances, or a poll request during the timer's poll).
    CompletableFuture<TrackerPass> third = CompletableFuture.supplyAsync(() -> h.tracker().poll());
    TrackerPass fourth = h.tracker().poll();
    third.get();

    assertEquals(2, first.buildsStarted());
    assertEquals(0, second.buildsStarted());
    assertEquals(0, fourth.buildsStarted());
    List<BuildRow> builds = awaitBuildsEnded();
    assertEquals(2, builds.size(), "keep_prepared is 2: " + builds);
    assertEquals(1, h.buildsOf(h.template("debian-12-b").id()).size(), "12.10 is the newest");
    assertEquals(1, h.buildsOf(h.template("debian-12-c").id()).size(), "12.9 is the second newest");
    assertTrue(
        h.buildsOf(h.template("debian-12-a").id()).isEmpty(), "12.6 is beyond keep_prepared");
    assertTrue(
        builds.stream().allMatch(b -> b.state().equals(BuildRow.SUCCEEDED)), builds.toString());
    assertEquals(2, h.provider.templates().stream().filter(t -> t.prepared()).count());
  }

  @Test
  void buildStarts_interleaveAcrossGroups_inQueueOrder() throws Exception {
    h =
        TemplateHarness.start(
            withDocument()
                .maxConcurrentBuilds(1)
                .group(FEDORA, 30, 2)
                .preparedPool("debian-prepared", GROUP)
                .preparedPool("fedora-prepared", FEDORA));
    writeDocument(
        entry(GROUP, "debian-12-a", "12.7", TODAY.minusDays(2), true),
        entry(GROUP, "debian-12-b", "12.8", TODAY.minusDays(1), true),
        entry(FEDORA, "fedora-40-a", "40.1", TODAY.minusDays(2), true),
        entry(FEDORA, "fedora-40-b", "40.2", TODAY.minusDays(1), true));

    assertEquals(4, h.tracker().poll().buildsStarted());

    List<BuildRow> builds = awaitBuildsEnded();
    List<String> sources =
        builds.stream().map(b -> h.template(b.sourceTemplateId()).name()).toList();
    assertEquals(
        List.of("debian-12-b", "fedora-40-b", "debian-12-a", "fedora-40-a"),
        sources,
        "one build of each group in turn, newest first within a group");
    List<BuildRow> byStart = new ArrayList<>(builds);
    byStart.sort((x, y) -> x.startedAt().compareTo(y.startedAt()));
    assertEquals(
        builds.stream().map(BuildRow::id).toList(),
        byStart.stream().map(BuildRow::id).toList(),
        "the single build slot serves builds in the order they were queued");
    for (int i = 1; i < byStart.size(); i++) {
      assertFalse(
          byStart.get(i).startedAt().isBefore(byStart.get(i - 1).endedAt()), "one build at a time");
    }
  }

  @Test
  void aBuildTurningUnusable_marksTheRawTemplateAndItsPreparedChildren_andBackWhenUsableAgain() {
    h = TemplateHarness.start(withDocument().preparedPool("debian-prepared", GROUP));
    onProvider(GROUP, "debian-12-20261120", "12.8", TODAY);
    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, true));
    assertEquals(1, h.tracker().poll().buildsStarted());
    BuildRow build = awaitBuildsEnded().get(0);
    assertEquals(BuildRow.SUCCEEDED, build.state());
    long rawId = build.sourceTemplateId();
    long childId = h.build(build.id()).resultTemplateId();

    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, false));
    TrackerPass unusable = h.tracker().poll();
    assertEquals(List.of(), unusable.errors());
    assertEquals(1, unusable.turnedUnusable());
    assertTrue(
        h.template(rawId).ga(),
        "GA as the document says, though the provider's listing has no such flag");
    for (long id : List.of(rawId, childId)) {
      TemplateRow t = h.template(id);
      assertFalse(t.usable(), t.toString());
      assertEquals(TemplateRow.UNUSABLE, t.state(), t.toString());
    }
    assertEquals(0, h.tracker().poll().turnedUnusable(), "it turns unusable once");
    assertEquals(TemplateRow.UNUSABLE, h.template(rawId).state(), "a later poll keeps it unusable");

    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, true));
    h.tracker().poll();
    for (long id : List.of(rawId, childId)) {
      TemplateRow t = h.template(id);
      assertTrue(t.usable(), t.toString());
      assertEquals(TemplateRow.READY, t.state(), t.toString());
    }
    assertEquals(1, h.builds().size(), "usable again does not start another build");
  }

  @Test
  void aBuildFinishingAfterItsSourceTurnedUnusable_leavesItsTemplateUnusable_notReady()
      throws Exception {
    h = TemplateHarness.start(withDocument().preparedPool("debian-prepared", GROUP));
    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, true));
    h.gate.hold(BuildSteps.CONFIGURE);
    assertEquals(1, h.tracker().poll().buildsStarted());
    h.gate.awaitHeld();
    BuildRow build = h.builds().get(0);

    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, false));
    assertEquals(1, h.tracker().poll().turnedUnusable());
    h.gate.release();
    h.awaitEnded(build.id());

    assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state());
    TemplateRow made = h.template(build.resultName());
    assertFalse(made.usable());
    assertEquals(
        TemplateRow.UNUSABLE,
        made.state(),
        "no pool may take a template of an unusable build: " + made);

    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, true));
    h.tracker().poll();
    assertEquals(TemplateRow.READY, h.template(build.resultName()).state());
  }

  @Test
  void aBadEntry_isReported_whileTheGoodOnesStillCount() {
    h = TemplateHarness.start(withDocument());
    writeDocument(
        entry(GROUP, "debian-12-good", "12.8", TODAY, true),
        "{group: " + GROUP + ", version: \"12.9\", date: " + TODAY + ", providers: [sim]}",
        "{group: " + GROUP + ", name: debian-12-baddate, date: yesterday, providers: [sim]}",
        entry(GROUP, "debian-12-good-too", "12.9", TODAY, true));

    TrackerPass pass = h.tracker().poll();

    assertEquals(2, pass.recorded());
    assertEquals(2, pass.errors().size(), pass.errors().toString());
    assertTrue(
        pass.errors().get(0).contains("builds[1]")
            && pass.errors().get(0).contains("'name' is required"),
        pass.errors().toString());
    assertTrue(
        pass.errors().get(1).contains("builds[2]") && pass.errors().get(1).contains("date"),
        pass.errors().toString());
    assertNotNull(h.template("debian-12-good"));
    assertNotNull(h.template("debian-12-good-too"));
  }

  @Test
  void anUnreadableSource_isReported_andTheOtherSourcesStillCount() throws Exception {
    Path missing = Path.of("target", "tracker-tests", "missing-" + UUID.randomUUID() + ".yaml");
    h = TemplateHarness.start(withDocument().trackerFile(missing));
    writeDocument(entry(GROUP, "debian-12-good", "12.8", TODAY, true));
    onProvider(GROUP, "debian-12-listed", "12.7", TODAY);

    TrackerPass pass = h.tracker().poll();

    assertEquals(1, pass.errors().size(), pass.errors().toString());
    assertTrue(
        pass.errors().get(0).contains(missing.toString())
            && pass.errors().get(0).contains("cannot read"),
        pass.errors().get(0));
    assertEquals(2, pass.recorded());
  }

  @Test
  void theTrackerLoop_pollsAtStart_andAgainWhenAsked() {
    h = TemplateHarness.start(withDocument());
    writeDocument();
    new Tracker(h.client).ensureRunning(Duration.ofHours(1));
    TemplateTrackerWorkflow loop =
        h.client.newWorkflowStub(TemplateTrackerWorkflow.class, WorkflowIds.tracker());
    h.await("the first poll", () -> loop.lastPass() != null);
    assertEquals(0, loop.lastPass().recorded());

    writeDocument(entry(GROUP, "debian-12-20261120", "12.8", TODAY, true));
    new Tracker(h.client).pollNow();
    h.await("the requested poll", () -> loop.lastPass().recorded() == 1);
    assertNotNull(h.template("debian-12-20261120"));
  }
}
