package dev.corral.activities.store;

import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.BuildStepRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code build} and {@code build_step}, in BuildMapper.xml. */
public interface BuildMapper {
  /**
   * Inserts a queued build; the generated id is written to {@code key.id} (declared in the XML).
   */
  int insert(@Param("row") BuildRow row, @Param("key") GeneratedId key);

  BuildRow selectById(@Param("id") long id);

  BuildRow selectByIdForUpdate(@Param("id") long id);

  List<BuildRow> list(
      @Param("group") String group, @Param("state") String state, @Param("limit") int limit);

  /** Every build of a source template, newest first. */
  List<BuildRow> bySource(@Param("sourceTemplateId") long sourceTemplateId);

  int countInState(@Param("provider") String provider, @Param("state") String state);

  /** The oldest queued builds of a provider, in the order they get slots. */
  List<BuildRow> oldestQueued(@Param("provider") String provider, @Param("limit") int limit);

  int start(@Param("id") long id, @Param("now") Instant now);

  int setStep(@Param("id") long id, @Param("step") String step, @Param("now") Instant now);

  /** Ends a build that has not ended yet; returns 0 when it had. */
  int end(
      @Param("id") long id,
      @Param("state") String state,
      @Param("step") String step,
      @Param("error") String error,
      @Param("resultTemplateId") Long resultTemplateId,
      @Param("now") Instant now);

  /** A step began (again): counts the attempt, keeps the first start time. */
  int stepStarted(
      @Param("buildId") long buildId,
      @Param("seq") int seq,
      @Param("name") String name,
      @Param("now") Instant now);

  int stepEnded(
      @Param("buildId") long buildId,
      @Param("name") String name,
      @Param("state") String state,
      @Param("error") String error,
      @Param("now") Instant now);

  List<BuildStepRow> steps(@Param("buildId") long buildId);

  /**
   * The steps of several builds in one query (lists of builds), by build then in chain order; ids
   * not empty.
   */
  List<BuildStepRow> stepsOf(@Param("buildIds") List<Long> buildIds);

  /** A mutable holder for a generated key, since the rows are immutable records. */
  final class GeneratedId {
    public long id;
  }
}
