package dev.corral.activities.build;

import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.BuildActivities;
import dev.corral.workflows.model.BuildEnd;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Build slots and build endings, in the database. */
public final class BuildActivitiesImpl implements BuildActivities {
  private static final Logger log = LoggerFactory.getLogger(BuildActivitiesImpl.class);
  private final Db db;
  private final Clock clock;
  private final BuildWaker waker;

  public BuildActivitiesImpl(Db db, Clock clock, BuildWaker waker) {
    this.db = db;
    this.clock = clock;
    this.waker = waker;
  }

  @Override
  public boolean tryStartBuild(long buildId) {
    Instant now = clock.instant();
    return db.inTransaction(
        session -> {
          BuildMapper builds = session.getMapper(BuildMapper.class);
          BuildRow build = builds.selectById(buildId);
          if (build == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "no build with id " + buildId, "BuildNotFound");
          }
          if (BuildRow.RUNNING.equals(build.state())) {
            return true;
          }
          if (build.ended()) {
            throw ApplicationFailure.newNonRetryableFailure(
                "build " + buildId + " has ended: " + build.state(), "BuildEnded");
          }
          // The provider row lock makes concurrent slot grants on one provider take turns (any
          // Corral instance).
          ProviderMapper providers = session.getMapper(ProviderMapper.class);
          ProviderRow provider = providers.selectForUpdate(build.provider());
          int slots =
              provider == null || !provider.placeable() ? 0 : provider.maxConcurrentBuilds();
          int free = slots - builds.countInState(build.provider(), BuildRow.RUNNING);
          if (free <= 0) {
            return false;
          }
          // First come, first served: a slot goes to the oldest queued builds, which keeps the
          // tracker's
          // interleaving of groups.
          boolean next =
              builds.oldestQueued(build.provider(), free).stream().anyMatch(b -> b.id() == buildId);
          if (next && builds.start(buildId, now) == 1) {
            EventLog.info(
                log,
                "build started: a build slot is free",
                EventLog.BUILD,
                buildId,
                EventLog.PROVIDER,
                build.provider(),
                EventLog.TEMPLATE,
                build.resultName());
            return true;
          }
          return false;
        });
  }

  @Override
  public void endBuild(BuildEnd end) {
    Instant now = clock.instant();
    db.inTransaction(
        session -> {
          BuildMapper builds = session.getMapper(BuildMapper.class);
          if (builds.end(end.buildId(), end.state(), end.step(), end.error(), null, now) == 1) {
            BuildRow build = builds.selectById(end.buildId());
            EventLog.warn(
                log,
                "build "
                    + end.state()
                    + (end.step() == null ? "" : " at " + end.step())
                    + ": "
                    + end.error()
                    + (end.rolledBack() ? "" : "; rollback incomplete"),
                EventLog.BUILD,
                end.buildId(),
                EventLog.STEP,
                end.step(),
                EventLog.PROVIDER,
                end.provider(),
                EventLog.TEMPLATE,
                build.resultName());
            TemplateMapper templates = session.getMapper(TemplateMapper.class);
            TemplateRow made = templates.selectByName(build.provider(), build.resultName());
            if (made != null && TemplateRow.PREPARING.equals(made.state())) {
              String reason =
                  "build "
                      + build.id()
                      + " "
                      + end.state()
                      + (end.step() == null ? "" : " at " + end.step())
                      + (end.rolledBack() ? "" : "; rollback incomplete");
              templates.setState(made.id(), TemplateRow.FAILED, truncate(reason), now);
            }
          }
          return null;
        });
    waker.slotFreed(end.provider());
  }

  static String truncate(String text) {
    return text == null || text.length() <= 2000 ? text : text.substring(0, 2000) + "…";
  }
}
